import { describe, expect, it, vi } from 'vitest';
import { AimdLimit, DynamicConcurrency, GradientLimit, type LimitBounds } from '../../src/parallel/index.js';

const bounds: LimitBounds = { initial: 5, min: 2, max: 8, backoffRatio: 0.5, latencyTolerance: 1.5 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AimdLimit', () => {
  it.each([
    { name: 'adds one per success while in use', samples: [true, true], inflight: 5, expected: 7 },
    { name: 'stops at max', samples: [true, true, true, true, true], inflight: 8, expected: 8 },
    { name: 'does not grow while mostly idle', samples: [true, true], inflight: 1, expected: 5 },
    { name: 'backs off by the ratio on failure', samples: [false], inflight: 5, expected: 2.5 },
    { name: 'never drops below min', samples: [false, false, false], inflight: 5, expected: 2 },
  ])('$name', ({ samples, inflight, expected }) => {
    const aimd = new AimdLimit(bounds);
    for (const ok of samples) aimd.update({ ok, latencyMs: 10, inflight });
    expect(aimd.limit).toBe(expected);
  });
});

describe('GradientLimit', () => {
  const feed = (limit: GradientLimit, latencyMs: number, count: number, ok = true) => {
    for (let i = 0; i < count; i++) limit.update({ ok, latencyMs, inflight: Math.ceil(limit.limit) });
    return limit.limit;
  };

  it('grows while latency stays near its floor, up to max', () => {
    const gradient = new GradientLimit({ ...bounds, max: 30 });
    expect(feed(gradient, 10, 5)).toBeGreaterThan(5);
    expect(feed(gradient, 12, 200)).toBe(30);
  });

  it('backs off when latency rises well above its floor', () => {
    const gradient = new GradientLimit({ ...bounds, max: 30 });
    const grown = feed(gradient, 10, 100);
    expect(feed(gradient, 40, 10)).toBeLessThan(grown);
  });

  it('treats failures as congestion, so steady timeouts cannot grow it (Netflix #137)', () => {
    const gradient = new GradientLimit({ ...bounds, max: 30 });
    feed(gradient, 10, 20);
    expect(feed(gradient, 10, 10, false)).toBe(2);
  });

  it('re-measures a stale floor after sustained slowness at the minimum', () => {
    const gradient = new GradientLimit({ ...bounds, max: 30 });
    feed(gradient, 10, 10);
    feed(gradient, 100, 60);
    expect(gradient.floorMs).toBeGreaterThan(50);
    expect(feed(gradient, 100, 40)).toBeGreaterThan(2);
  });
});

describe('DynamicConcurrency', () => {
  it('runs every task, keeps input order and stays within [min, max]', async () => {
    const limits: number[] = [];
    let running = 0;
    let peak = 0;
    const dynamic = new DynamicConcurrency({
      initial: 2,
      min: 1,
      max: 4,
      onLimitChange: ({ limit }) => limits.push(limit),
    });
    const results = await dynamic.execute(
      Array.from({ length: 30 }, (_, index) => async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
        return index;
      }),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, index) => index));
    expect(dynamic.limit).toBe(4);
    expect(peak).toBeLessThanOrEqual(4);
    expect(limits).toEqual([3, 4]);
  });

  it('lowers the limit on failures, then rejects with every failure once all tasks settled', async () => {
    const dynamic = new DynamicConcurrency({ initial: 5, min: 2, max: 10 });
    let finished = 0;
    const tasks = Array.from({ length: 6 }, (_, index) => async () => {
      await tick();
      finished++;
      if (index < 4) throw new Error(`task ${index}`);
      return index;
    });
    const error = await dynamic.execute(tasks).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'task 0',
      'task 1',
      'task 2',
      'task 3',
    ]);
    expect(finished).toBe(6);
    expect(dynamic.limit).toBeGreaterThanOrEqual(2);
    expect(dynamic.limit).toBeLessThan(5);
  });

  it('with stopOnError rejects at the first failure and starts no more tasks', async () => {
    const dynamic = new DynamicConcurrency({ initial: 1, max: 1, stopOnError: true });
    const started: number[] = [];
    const tasks = Array.from({ length: 4 }, (_, index) => async () => {
      started.push(index);
      if (index === 1) throw new Error('boom');
    });
    await expect(dynamic.execute(tasks)).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual([0, 1]);
  });

  it('grows while latency stays at its floor and backs off when it rises, in latency mode', async () => {
    vi.useFakeTimers();
    try {
      const dynamic = new DynamicConcurrency({
        initial: 2,
        min: 1,
        max: 16,
        mode: 'latency',
        now: () => Date.now(),
      });
      const waiting = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));
      const fast = dynamic.execute(Array.from({ length: 60 }, () => waiting(10)));
      await vi.advanceTimersByTimeAsync(5_000);
      await fast;
      const grown = dynamic.limit;
      expect(grown).toBeGreaterThan(4);
      const slow = dynamic.execute(Array.from({ length: 30 }, () => waiting(60)));
      await vi.advanceTimersByTimeAsync(60_000);
      await slow;
      expect(dynamic.limit).toBeLessThan(grown);
      expect(dynamic.limit).toBeGreaterThanOrEqual(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('validates its options', () => {
    expect(() => new DynamicConcurrency({ min: 0 })).toThrow(
      new TypeError('Expected `min` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(() => new DynamicConcurrency({ initial: 12, max: 10 })).toThrow(TypeError);
    expect(() => new DynamicConcurrency({ mode: 'vegas' as never })).toThrow(TypeError);
  });
});
