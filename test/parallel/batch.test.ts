import { afterEach, describe, expect, it, vi } from 'vitest';
import { FanoutError } from '../../src/errors.js';
import { TaskBatcher } from '../../src/parallel/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('TaskBatcher', () => {
  it('flushes when a batch is full and resolves each item with its own result', async () => {
    const batches: number[][] = [];
    const batcher = new TaskBatcher(3, 10_000, async (items: number[]) => {
      batches.push(items);
      return items.map((item) => item * 2);
    });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((item) => batcher.add(item)));
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('flushes a partial batch after the delay', async () => {
    vi.useFakeTimers();
    const processor = vi.fn(async (items: string[]) => items.map((item) => item.toUpperCase()));
    const batcher = new TaskBatcher(10, 100, processor);
    const first = batcher.add('a');
    const second = batcher.add('b');
    await vi.advanceTimersByTimeAsync(99);
    expect(processor).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all([first, second])).toEqual(['A', 'B']);
    expect(processor).toHaveBeenCalledTimes(1);
  });

  it('rejects every item of a batch whose processor returns the wrong number of results', async () => {
    const batcher = new TaskBatcher(2, 10, async (items: number[]) => items.slice(1));
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as FanoutError;
      expect(reason).toBeInstanceOf(FanoutError);
      expect(reason.code).toBe('BATCH_MISMATCH');
    }
  });

  it('rejects every item of a batch whose processor fails', async () => {
    const batcher = new TaskBatcher(2, 10, async () => {
      throw new Error('processor down');
    });
    await expect(Promise.all([batcher.add(1), batcher.add(2)])).rejects.toThrow('processor down');
  });

  it('flush() sends what waits now; close() processes it and refuses new items', async () => {
    const batches: number[][] = [];
    const batcher = new TaskBatcher(100, 60_000, async (items: number[]) => {
      batches.push(items);
      return items;
    });
    const first = batcher.add(1);
    await batcher.flush();
    await expect(first).resolves.toBe(1);
    const pending = batcher.add(2);
    await batcher.close();
    await expect(pending).resolves.toBe(2);
    await expect(batcher.add(3)).rejects.toThrow(TypeError);
    expect(batches).toEqual([[1], [2]]);
  });

  it('validates its arguments', () => {
    expect(() => new TaskBatcher(0, 10, async () => [])).toThrow(
      'Expected `batchSize` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => new TaskBatcher(1, -1, async () => [])).toThrow(TypeError);
  });
});
