import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, limit } from '../../src/parallel/index.js';

/** A task whose end the test controls. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('never runs more than `concurrency` tasks and starts them in FIFO order', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          started.push(index);
          peak = Math.max(peak, ++running);
          await tick();
          running--;
          return index * 2;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(results).toEqual(Array.from({ length: 20 }, (_, index) => index * 2));
  });

  it('reports live activeCount and pendingCount', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate) => limiter.run(() => gate.promise));
    expect([limiter.activeCount, limiter.pendingCount]).toEqual([2, 1]);
    gates[0]!.resolve();
    await runs[0];
    expect([limiter.activeCount, limiter.pendingCount]).toEqual([2, 0]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all(runs);
    expect([limiter.activeCount, limiter.pendingCount]).toEqual([0, 0]);
  });

  it('applies a raised concurrency at once and a lowered one as tasks finish', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gates = Array.from({ length: 5 }, () => deferred());
    const runs = gates.map((gate) => limiter.run(() => gate.promise));
    expect(limiter.activeCount).toBe(1);
    limiter.concurrency = 4;
    expect(limiter.activeCount).toBe(4);
    limiter.concurrency = 2;
    gates[0]!.resolve();
    gates[1]!.resolve();
    await Promise.all(runs.slice(0, 2));
    expect(limiter.activeCount).toBe(2);
    for (const gate of gates) gate.resolve();
    await Promise.all(runs);
  });

  it('clearQueue rejects the waiting calls with an AbortError and lets running ones finish', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred<string>();
    const running = limiter.run(() => gate.promise);
    const waiting = [limiter.run(() => 'never'), limiter.run(() => 'never', { weight: 1 })];
    limiter.clearQueue();
    for (const call of waiting) await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.pendingCount).toBe(0);
    gate.resolve('done');
    await expect(running).resolves.toBe('done');
  });

  it('removes a waiting call when its signal aborts, and rejects at once on an aborted signal', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const queued = limiter.run(
      () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    const after = limiter.run(() => 'after');
    controller.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    expect(limiter.pendingCount).toBe(1);
    await expect(limiter.run(() => 1, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    gate.resolve();
    await first;
    await expect(after).resolves.toBe('after');
    expect(ran).toBe(false);
  });

  it('counts a weight-3 task as 3 slots and keeps FIFO behind it', async () => {
    const limiter = new ConcurrencyLimiter(4);
    const gates = Array.from({ length: 3 }, () => deferred());
    const light = limiter.run(() => gates[0]!.promise, { weight: 2 });
    const heavy = limiter.run(() => gates[1]!.promise, { weight: 3 });
    const small = limiter.run(() => gates[2]!.promise);
    // 2 of 4 slots used; the weight-3 call does not fit, and the small one may not overtake it.
    expect([limiter.activeCount, limiter.pendingCount]).toEqual([1, 2]);
    gates[0]!.resolve();
    await light;
    expect([limiter.activeCount, limiter.pendingCount]).toEqual([2, 0]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all([heavy, small]);
  });

  it('runs a call heavier than the limit alone instead of never', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await expect(limiter.run(() => 'alone', { weight: 5 })).resolves.toBe('alone');
  });

  it('limits calls per key inside the global limit, without blocking other keys', async () => {
    const limiter = new ConcurrencyLimiter({ concurrency: 4, keyConcurrency: 2 });
    const running = new Map<string, number>();
    const peaks = new Map<string, number>();
    let peak = 0;
    let total = 0;
    const order: string[] = [];
    const jobs = ['a', 'a', 'a', 'a', 'b', 'b', 'c'].map((key, index) =>
      limiter.run(
        async () => {
          order.push(`${key}${index}`);
          running.set(key, (running.get(key) ?? 0) + 1);
          peaks.set(key, Math.max(peaks.get(key) ?? 0, running.get(key)!));
          peak = Math.max(peak, ++total);
          await tick();
          await tick();
          total--;
          running.set(key, running.get(key)! - 1);
        },
        { key },
      ),
    );
    await Promise.all(jobs);
    expect(Math.max(...peaks.values())).toBe(2);
    expect(peak).toBe(4);
    // b and c start while the third and fourth `a` wait for their key.
    expect(order.slice(0, 4)).toEqual(['a0', 'a1', 'b4', 'b5']);
  });

  it('turns a synchronous throw into a rejection and frees the slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limiter.run(() => 'next')).resolves.toBe('next');
    expect(limiter.activeCount).toBe(0);
  });

  it('rejects bad options with a TypeError in the fixed shape', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(
      new TypeError('Expected `concurrency` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(() => new ConcurrencyLimiter({ concurrency: 2, keyConcurrency: 1.5 })).toThrow(TypeError);
    const limiter = new ConcurrencyLimiter(Infinity);
    expect(() => (limiter.concurrency = -1)).toThrow(TypeError);
    expect(() => limiter.run(() => 1, { weight: 0 })).toThrow(TypeError);
    expect(() => limiter.run(() => 1, { wieght: 2 } as never)).toThrow(/Unknown option `wieght`/);
  });
});

describe('limit', () => {
  it('is p-limit-shaped: passes arguments, exposes live counts and a settable concurrency', async () => {
    const run = limit(2);
    const gate = deferred();
    const calls = [
      run(async (a: number, b: number) => a + b, 1, 2),
      run(() => gate.promise),
      run(() => 'third'),
    ];
    expect([run.activeCount, run.pendingCount]).toEqual([2, 1]);
    expect(await calls[0]).toBe(3);
    run.concurrency = 5;
    expect(run.concurrency).toBe(5);
    gate.resolve();
    expect(await Promise.all(calls)).toEqual([3, undefined, 'third']);
  });

  it('clearQueue rejects what waits instead of leaving it pending', async () => {
    const run = limit(1);
    const gate = deferred();
    const first = run(() => gate.promise);
    const second = run(() => 'never');
    run.clearQueue();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    gate.resolve();
    await first;
  });
});
