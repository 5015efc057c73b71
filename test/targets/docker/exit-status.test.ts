import { describe, expect, it } from 'vitest';
import { toExitStatus } from '../../../src/targets/remote/exit-status.js';
import { waitForExitCode, type ExecState } from '../../../src/targets/docker/exit-status.js';

describe('toExitStatus', () => {
  it.each([
    [0, [], { exitCode: 0, signal: null }],
    [3, ['SIGTERM'], { exitCode: 3, signal: null }],
    [143, ['SIGTERM'], { exitCode: null, signal: 'SIGTERM' }],
    [137, ['SIGTERM', 'SIGKILL'], { exitCode: null, signal: 'SIGKILL' }],
    [143, [], { exitCode: 143, signal: null }],
    [130, ['SIGTERM'], { exitCode: 130, signal: null }],
  ] as const)('reads exit code %i after signals %j', (code, signals, expected) => {
    expect(toExitStatus(code, new Set<NodeJS.Signals>(signals))).toEqual(expected);
  });
});

describe('waitForExitCode', () => {
  function inspector(states: ExecState[]): () => Promise<ExecState> {
    return async () => states.shift() ?? { Running: true, ExitCode: null };
  }

  it('waits while the daemon still reports the exec running', async () => {
    const states = [
      { Running: true, ExitCode: null },
      { Running: true, ExitCode: null },
      { Running: false, ExitCode: 5 },
    ];
    await expect(waitForExitCode(inspector(states), [1, 1, 1])).resolves.toBe(5);
  });

  it('gives no exit code, never 0, when the exec never stops running', async () => {
    await expect(waitForExitCode(inspector([]), [1, 1, 1])).resolves.toBeUndefined();
  });

  it('gives no exit code when the daemon reports none', async () => {
    const states = Array.from({ length: 20 }, () => ({ Running: false, ExitCode: null }));
    await expect(waitForExitCode(inspector(states), [1, 1, 1])).resolves.toBeUndefined();
  });
});
