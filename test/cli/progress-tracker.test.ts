import { describe, expect, it } from 'vitest';
import type { FleetEvent, JobReport } from '../../src/index.js';
import { ProgressTracker } from '../../src/cli/render/progress-tracker.js';

const job = (seq: number) => ({ seq, command: 'true', args: [] });
const start = (seq: number, target: string): FleetEvent => ({
  type: 'start',
  job: job(seq),
  target,
  attempt: 1,
});
const end = (seq: number, target: string, durationMs: number, ok = true): FleetEvent => ({
  type: 'end',
  report: { ...job(seq), target, stage: 'run', ok, durationMs } as unknown as JobReport,
});

describe('ProgressTracker', () => {
  it('tells the ETA from job durations and the jobs running, not from how many finished so far', () => {
    const tracker = new ProgressTracker(10, undefined, undefined, 0);
    // Nothing ran for 10 s (connecting, say); then a job of 1 s, and three more started half a second ago.
    tracker.onEvent(start(1, 'a'), 10_000);
    tracker.onEvent(end(1, 'a', 1000), 11_000);
    for (const seq of [2, 3, 4]) tracker.onEvent(start(seq, 'a'), 10_500);
    // 6 waiting × 1 s, plus 0.5 s left of each running one, over 3 at a time: 2.5 s (a count-based ETA says 99 s).
    expect(tracker.etaMs(11_000)).toBe(2500);
  });

  it('has no ETA before a job finished or without a total', () => {
    const tracker = new ProgressTracker(undefined, undefined, undefined, 0);
    expect(new ProgressTracker(5, undefined, undefined, 0).etaMs(1000)).toBeUndefined();
    tracker.onEvent(start(1, 'a'), 0);
    tracker.onEvent(end(1, 'a', 500), 500);
    expect(tracker.etaMs(500)).toBeUndefined();
  });

  it('names jobs running past three times the median and past 2 s, longest first', () => {
    const tracker = new ProgressTracker(6, undefined, undefined, 0);
    for (const seq of [1, 2, 3]) {
      tracker.onEvent(start(seq, 'a'), 0);
      tracker.onEvent(end(seq, 'a', 1000), 1000);
    }
    tracker.onEvent(start(4, 'slow'), 1000);
    tracker.onEvent(start(5, 'slower'), 500);
    tracker.onEvent(start(6, 'fine'), 3000);
    expect(tracker.stalled(4600)).toEqual([
      { target: 'slower', seq: 5, elapsedMs: 4100 },
      { target: 'slow', seq: 4, elapsedMs: 3600 },
    ]);
  });

  it('counts done, failed and running per group, the groups given first in their order', () => {
    const groupOf = (target: string) => (target.startsWith('web') ? '@web' : 'local');
    const tracker = new ProgressTracker(
      3,
      groupOf,
      new Map([
        ['local', undefined],
        ['@web', 2],
      ]),
      0,
    );
    tracker.onEvent(start(1, 'web1'), 0);
    tracker.onEvent(start(2, 'web2'), 0);
    tracker.onEvent(end(1, 'web1', 10, false), 10);
    expect(tracker.groups).toEqual([
      { name: 'local', total: undefined, done: 0, failed: 0, running: 0 },
      { name: '@web', total: 2, done: 1, failed: 1, running: 1 },
    ]);
  });
});
