import { describe, expect, it } from 'vitest';
import { parallelMap, parallelMapIterable, parallelReduce } from '../../src/parallel/index.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A generator that records how far it has been read. */
function counted(count: number) {
  const state = { read: 0, closed: false };
  function* items() {
    try {
      for (let i = 0; i < count; i++) {
        state.read++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, items: items() };
}

describe('parallelMap', () => {
  it('keeps input order with out-of-order completion and bounds concurrency', async () => {
    let running = 0;
    let peak = 0;
    const results = await parallelMap(
      [5, 1, 4, 2, 3, 0],
      async (delay) => {
        peak = Math.max(peak, ++running);
        for (let i = 0; i < delay; i++) await tick();
        running--;
        return delay * 10;
      },
      2,
    );
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('reads a generator lazily: never more than `concurrency` items ahead', async () => {
    const { state, items } = counted(1000);
    let maxAhead = 0;
    let done = 0;
    const results = await parallelMap(
      items,
      async (item) => {
        maxAhead = Math.max(maxAhead, state.read - done);
        await tick();
        done++;
        return item;
      },
      { concurrency: 4 },
    );
    expect(results).toHaveLength(1000);
    expect(results[999]).toBe(999);
    expect(maxAhead).toBeLessThanOrEqual(4);
  });

  it('reads an async iterable lazily and keeps order', async () => {
    let read = 0;
    let maxInFlight = 0;
    let inFlight = 0;
    async function* source() {
      for (let i = 0; i < 50; i++) {
        read++;
        yield i;
      }
    }
    const results = await parallelMap(
      source(),
      async (item) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await tick();
        inFlight--;
        return item * 2;
      },
      3,
    );
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(read).toBe(50);
    expect(maxInFlight).toBe(3);
  });

  it('rejects at the first failure, aborts the other mappers and stops reading', async () => {
    const { state, items } = counted(100);
    const signals: AbortSignal[] = [];
    const failing = parallelMap(
      items,
      async (item, _index, signal) => {
        signals.push(signal);
        if (item === 2) throw new Error('item 2');
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return item;
      },
      3,
    );
    await expect(failing).rejects.toThrow('item 2');
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(state.read).toBe(3);
    expect(state.closed).toBe(true);
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const running = parallelMap([1, 2, 3], () => new Promise(() => undefined), { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
  });

  it('accepts sync mappers and empty inputs', async () => {
    expect(await parallelMap(new Set([1, 2, 3]), (x) => x + 1)).toEqual([2, 3, 4]);
    expect(await parallelMap([], (x) => x)).toEqual([]);
  });

  it('validates its arguments once with TypeErrors', () => {
    expect(() => parallelMap([1], (x) => x, 0)).toThrow(
      new TypeError('Expected `concurrency` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(() => parallelMap(42 as never, (x) => x)).toThrow(TypeError);
    expect(() => parallelMap([1], 'nope' as never)).toThrow(TypeError);
  });
});

describe('parallelMapIterable', () => {
  it('yields results in input order, reading at most `concurrency` ahead', async () => {
    const { state, items } = counted(200);
    const seen: number[] = [];
    let maxAhead = 0;
    for await (const value of parallelMapIterable(items, async (item) => item * 3, 5)) {
      maxAhead = Math.max(maxAhead, state.read - seen.length);
      seen.push(value);
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i * 3));
    expect(maxAhead).toBeLessThanOrEqual(5);
  });

  it('aborts the mappers and closes the input when the loop ends early', async () => {
    const { state, items } = counted(100);
    const signals: AbortSignal[] = [];
    for await (const value of parallelMapIterable(
      items,
      (item, _i, signal) => (signals.push(signal), item),
      2,
    )) {
      if (value === 3) break;
    }
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(state.closed).toBe(true);
  });
});

describe('parallelReduce', () => {
  it('equals a sequential left fold for an associative, non-commutative reducer', async () => {
    const words = Array.from({ length: 37 }, (_, i) => `w${i}`);
    for (const chunkSize of [2, 3, 8, 100]) {
      const result = await parallelReduce(words, async (left, right) => `${left}|${right}`, chunkSize);
      expect(result).toBe(words.reduce((left, right) => `${left}|${right}`));
    }
  });

  it('reduces chunks of one level in parallel', async () => {
    let running = 0;
    let peak = 0;
    await parallelReduce(
      Array.from({ length: 16 }, (_, i) => i),
      async (a, b) => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
        return a + b;
      },
      { chunkSize: 2, concurrency: 4 },
    );
    expect(peak).toBe(4);
  });

  it('returns a single item as is and accepts async iterables', async () => {
    expect(await parallelReduce([7], () => 0)).toBe(7);
    async function* numbers() {
      yield* [1, 2, 3, 4, 5];
    }
    expect(await parallelReduce(numbers(), (a, b) => a + b)).toBe(15);
  });

  it('rejects an empty input and throws on a chunk size below 2, with TypeErrors', async () => {
    await expect(parallelReduce([] as number[], (a, b) => a + b)).rejects.toThrow(TypeError);
    expect(() => parallelReduce([1, 2], (a, b) => a + b, 1)).toThrow(
      'Expected `chunkSize` to be an integer from 2 and up, got `1` (number)',
    );
  });
});
