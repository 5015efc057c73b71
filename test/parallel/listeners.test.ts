import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import {
  ConcurrencyLimiter,
  LoadBalancer,
  ParallelExecutor,
  TaskBatcher,
  parallelMap,
} from '../../src/parallel/index.js';

// Node warns once an EventTarget holds more than 10 listeners of one type; every case below puts 20 waiters
// on one signal, as ordinary use does.
const warnings: Error[] = [];
const record = (warning: Error): void => {
  warnings.push(warning);
};
beforeEach(() => {
  warnings.length = 0;
  process.on('warning', record);
});
afterEach(() => {
  process.off('warning', record);
});

/** Warnings are emitted on a later tick: let them arrive before looking. */
async function maxListenerWarnings(): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map(String);
}

const twenty = Array.from({ length: 20 }, (_, index) => index);

describe('one signal shared by many waiters raises no MaxListenersExceededWarning', () => {
  it('20 calls queued on a limiter with the same signal', async () => {
    const { signal } = new AbortController();
    const limiter = new ConcurrencyLimiter(1);
    const results = await Promise.all(
      twenty.map((index) =>
        limiter.run(() => new Promise((resolve) => setTimeout(resolve, 1, index)), { signal }),
      ),
    );
    expect(results).toEqual(twenty);
    expect(await maxListenerWarnings()).toEqual([]);
  });

  it('20 commands running with the same signal', async () => {
    const { signal } = new AbortController();
    const texts = await Promise.all(twenty.map((index) => $`echo ${index}`.signal(signal).text()));
    expect(texts).toEqual(twenty.map(String));
    expect(await maxListenerWarnings()).toEqual([]);
  });

  it('20 concurrent parallelMap calls and 20 commands in one of them, on one signal', async () => {
    const { signal } = new AbortController();
    const maps = twenty.map((index) =>
      parallelMap(
        [index],
        async (item): Promise<unknown> => (item === 0 ? Promise.all(twenty.map((n) => $`echo ${n}`)) : item),
        { signal },
      ),
    );
    expect(await Promise.all(maps)).toHaveLength(20);
    expect(await maxListenerWarnings()).toEqual([]);
  });

  it('20 retries waiting out their backoff together', async () => {
    const { signal } = new AbortController();
    const failedOnce = new Set<number>();
    const tasks = twenty.map((index) => () => {
      if (failedOnce.has(index)) return index;
      failedOnce.add(index);
      throw new Error(`first attempt of ${index}`);
    });
    const executor = new ParallelExecutor({ signal });
    expect(await executor.executeWithRetry(tasks, { minDelay: 20, jitter: false })).toEqual(twenty);
    expect(await maxListenerWarnings()).toEqual([]);
  });

  it('20 tasks on a LoadBalancer and 20 items in a TaskBatcher with one signal', async () => {
    const { signal } = new AbortController();
    const balancer = new LoadBalancer(
      [(task: number) => new Promise((resolve) => setTimeout(resolve, 5, task))],
      {
        signal,
      },
    );
    const balanced = await balancer.executeMany(twenty.map((task) => ({ task })));
    expect(balanced.map(({ result }) => result)).toEqual(twenty);
    const batcher = new TaskBatcher(20, 1000, async (items: number[]) => items, { signal });
    expect(await Promise.all(twenty.map((item) => batcher.add(item)))).toEqual(twenty);
    expect(await maxListenerWarnings()).toEqual([]);
  });
});
