import { describe, expect, it } from 'vitest';
import {
  ParallelProgress,
  ProgressTracker,
  VisualProgress,
  formatProgressBar,
  formatProgressLine,
  type ProgressEvent,
} from '../../src/parallel/index.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

/** A stream that records what is written. */
function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 120, write: (text: string) => writes.push(text) } };
}

describe('ProgressTracker', () => {
  it('reports zeros and no ETA before anything finished, without dividing by zero', () => {
    const clock = manualClock();
    const tracker = new ProgressTracker(10, { now: clock.read });
    expect(tracker.snapshot()).toEqual({
      completed: 0,
      failed: 0,
      running: 0,
      total: 10,
      percent: 0,
      ratePerSec: 0,
      elapsedMs: 0,
      etaMs: undefined,
    });
    tracker.started();
    tracker.finished(true);
    expect(tracker.snapshot()).toMatchObject({ completed: 1, ratePerSec: 0, etaMs: undefined });
  });

  it('derives rate and ETA from recent throughput and remaining work', () => {
    const clock = manualClock();
    const events: ProgressEvent[] = [];
    const tracker = new ProgressTracker(100, {
      now: clock.read,
      window: 5,
      onProgress: (event) => events.push(event),
    });
    // Slow start: 1 per second, then 10 per second.
    for (let i = 0; i < 5; i++) {
      clock.now += 1000;
      tracker.started();
      tracker.finished(true);
    }
    expect(events.at(-1)).toMatchObject({ completed: 5, ratePerSec: 1, etaMs: 95_000 });
    for (let i = 0; i < 10; i++) {
      clock.now += 100;
      tracker.started();
      tracker.finished(i !== 0);
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ completed: 14, failed: 1, running: 0, percent: 15, elapsedMs: 6000 });
    expect(last.ratePerSec).toBeCloseTo(10);
    expect(last.etaMs).toBeCloseTo(8500);
    expect(events).toHaveLength(15);
  });

  it('reports 100% for an empty total', () => {
    expect(new ProgressTracker(0).snapshot()).toMatchObject({ percent: 100, etaMs: 0 });
  });
});

describe('ParallelProgress', () => {
  it('emits one event as each task finishes and counts failures', async () => {
    const events: ProgressEvent[] = [];
    const progress = new ParallelProgress(4, { onProgress: (event) => events.push(event) });
    const tasks = [1, 2, 3, 4].map((n) => async () => {
      if (n === 3) throw new Error('three');
      return n;
    });
    await expect(progress.execute(tasks, 2)).rejects.toBeInstanceOf(AggregateError);
    expect(events.map((event) => event.completed + event.failed)).toEqual([1, 2, 3, 4]);
    expect(events.at(-1)).toMatchObject({ completed: 3, failed: 1, running: 0, percent: 100 });
  });

  it('resolves with the values in input order', async () => {
    const progress = new ParallelProgress(3);
    expect(await progress.execute([async () => 'a', () => 'b', async () => 'c'], { concurrency: 1 })).toEqual(
      ['a', 'b', 'c'],
    );
  });
});

describe('progress rendering', () => {
  const event: ProgressEvent = {
    completed: 40,
    failed: 2,
    running: 4,
    total: 100,
    percent: 42,
    ratePerSec: 3.5,
    elapsedMs: 12_000,
    etaMs: 17_000,
  };

  it('formats a plain line and a bar', () => {
    expect(formatProgressLine(event)).toBe(
      '42.0% 42/100 done, 2 failed, 4 running, 3.5/s, elapsed 12s, eta 17s',
    );
    expect(formatProgressBar(event, 10)).toMatch(/^\|████░░░░░░\| 42\.0%/);
  });

  it('writes escape-free lines when the stream is not a TTY, throttled, and the final state once', async () => {
    const clock = manualClock();
    const { writes, stream } = recorder(false);
    const visual = new VisualProgress(3, { stream, now: clock.read, intervalMs: 1000 });
    await visual.executeAll([async () => 1, async () => 2, async () => 3]);
    expect(
      writes.every((line) => !line.includes('\x1b') && !line.includes('\r') && line.endsWith('\n')),
    ).toBe(true);
    // The first finish draws; the second is throttled; the last is the final state.
    expect(writes).toHaveLength(2);
    expect(writes.at(-1)).toMatch(/^100\.0% 3\/3 done/);
  });

  it('redraws a bar in place on a TTY and ends its line', async () => {
    const clock = manualClock();
    const { writes, stream } = recorder(true);
    const visual = new VisualProgress(2, { stream, now: clock.read });
    await visual.executeAll([async () => 1, async () => 2], 1);
    expect(writes[0]!.startsWith('\r|')).toBe(true);
    expect(writes[0]).toContain('| 50.0% 1/2 done');
    expect(writes[0]!.endsWith('\u001b[K')).toBe(true);
    expect(writes.at(-1)).toBe('\n');
    expect(writes.at(-2)).toMatch(/100\.0% 2\/2 done/);
  });
});
