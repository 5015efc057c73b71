import { describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import {
  DynamicConcurrency,
  LoadBalancer,
  ParallelExecutor,
  ProgressTracker,
  normalizeRetryOptions,
} from '../../src/parallel/index.js';
import type { ProcessResult } from '../../src/shell/result.js';

// The spellings of the parallel-execution guide, run as it writes them.
describe('the guide’s spellings', () => {
  it('LoadBalancer.executeMany takes `{ command, weight }` items and runs each command on a worker', async () => {
    const balancer = new LoadBalancer(['local', 'local', 'local']);
    const outcomes = await balancer.executeMany([
      { command: 'echo light-task', weight: 1 },
      { command: 'echo heavy-task', weight: 5 },
      { command: 'echo medium-task', weight: 3 },
    ]);
    expect(outcomes.map(({ result }) => (result as ProcessResult).stdout.trim())).toEqual([
      'light-task',
      'heavy-task',
      'medium-task',
    ]);
    expect(outcomes.map(({ worker }) => worker)).toEqual(['local', 'local', 'local']);
    expect(balancer.loads).toEqual([0, 0, 0]);
  });

  it('LoadBalancer.executeMany hands a `command` to executor functions as the task, and wants one of the two', async () => {
    const balancer = new LoadBalancer([(task: string) => `ran ${task}`]);
    expect(await balancer.executeMany([{ command: 'a' }, { task: 'b', weight: 2 }])).toEqual([
      { worker: expect.any(Function), result: 'ran a' },
      { worker: expect.any(Function), result: 'ran b' },
    ]);
    expect(() => balancer.executeMany([{ task: 'a', command: 'b' } as never])).toThrow(TypeError);
    expect(() => balancer.executeMany([{ weight: 1 } as never])).toThrow(TypeError);
    expect(() => balancer.executeMany([{ command: 'a', priority: 1 } as never])).toThrow(
      /Unknown option `priority`/,
    );
  });

  it('retry jitter may be a boolean: false is none, true the default share', async () => {
    expect(normalizeRetryOptions({ jitter: false }).jitter).toBe(0);
    expect(normalizeRetryOptions({ jitter: true }).jitter).toBe(normalizeRetryOptions({}).jitter);
    expect(() => normalizeRetryOptions({ jitter: 2 })).toThrow(TypeError);
    expect(() => normalizeRetryOptions({ jitter: 'yes' as never })).toThrow(TypeError);
    let attempts = 0;
    const values = await new ParallelExecutor().executeWithRetry(
      [
        () => {
          if (++attempts < 2) throw new Error('flaky');
          return 'done';
        },
      ],
      { jitter: false, minDelay: 10 },
    );
    expect(values).toEqual(['done']);
    expect(attempts).toBe(2);
  });

  it('new DynamicConcurrency(n) starts at a limit of n', async () => {
    expect(new DynamicConcurrency(5).limit).toBe(5);
    expect(new DynamicConcurrency(3).limit).toBe(3);
    expect(new DynamicConcurrency(25).limit).toBe(25);
    expect(() => new DynamicConcurrency(0)).toThrow(TypeError);
    expect(() => new DynamicConcurrency(1.5)).toThrow(TypeError);
    const results = await new DynamicConcurrency(5).execute([() => $`echo a`.text(), () => 'b']);
    expect(results).toEqual(['a', 'b']);
  });

  it('new ProgressTracker(n).execute(tasks) runs the tasks and counts them', async () => {
    const tracker = new ProgressTracker(3);
    expect(await tracker.execute([() => 1, () => 2, async () => 3])).toEqual([1, 2, 3]);
    expect(tracker.snapshot()).toMatchObject({ completed: 3, failed: 0, running: 0, percent: 100 });
  });
});
