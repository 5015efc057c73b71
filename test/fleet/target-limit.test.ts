import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../src/fleet/execute.js';
import { TargetLimit } from '../../src/fleet/target-limit.js';

const outcome = (fields: Partial<AttemptOutcome>): AttemptOutcome => ({
  stage: 'run',
  exitCode: 0,
  signal: null,
  startedAt: 0,
  durationMs: 100,
  outputBytes: 0,
  stdout: '',
  stderr: '',
  error: undefined,
  ...fields,
});

describe('TargetLimit', () => {
  it('grows while jobs succeed as fast as ever with the limit in use', () => {
    const limit = new TargetLimit({ initial: 4, min: 1, max: 64 });
    for (let index = 0; index < 20; index += 1) limit.record(outcome({}), limit.current);
    expect(limit.current).toBeGreaterThan(4);
  });

  it('takes at least one slot away per failed, timed-out or unreachable job, down to min', () => {
    for (const failed of [{ exitCode: 3 }, { stage: 'timeout' as const }, { stage: 'connect' as const }]) {
      const limit = new TargetLimit({ initial: 4, min: 1, max: 64 });
      expect(limit.record(outcome(failed), 4)).toEqual({ limit: 3, previous: 4 });
      for (let index = 0; index < 5; index += 1) limit.record(outcome(failed), 1);
      expect(limit.current).toBe(1);
    }
  });

  it('shrinks when jobs take far longer than at their quickest', () => {
    const limit = new TargetLimit({ initial: 8, min: 1, max: 64 });
    limit.record(outcome({ durationMs: 100 }), 8);
    const before = limit.current;
    for (let index = 0; index < 10; index += 1) limit.record(outcome({ durationMs: 2000 }), 8);
    expect(limit.current).toBeLessThan(before);
  });

  it('ignores canceled attempts: they say nothing about the target', () => {
    const limit = new TargetLimit({ initial: 4, min: 1, max: 64 });
    expect(limit.record(outcome({ stage: 'canceled', exitCode: null }), 4)).toBeUndefined();
    expect(limit.current).toBe(4);
  });
});
