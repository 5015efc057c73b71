import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParallelExecutor, computeBackoff, failSafe, fastFail, retry } from '../../src/parallel/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('computeBackoff', () => {
  const schedule = { minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0 };
  it.each([
    { retry: 1, random: 0.5, jitter: 0, expected: 100 },
    { retry: 3, random: 0.5, jitter: 0, expected: 400 },
    { retry: 10, random: 0.5, jitter: 0, expected: 1000 },
    { retry: 2, random: 1, jitter: 0.5, expected: 100 },
    { retry: 2, random: 0, jitter: 0.5, expected: 200 },
    { retry: 2, random: 0.5, jitter: 1, expected: 100 },
  ])(
    'retry $retry with jitter $jitter and random $random waits $expected ms',
    ({ retry: n, random, jitter, expected }) => {
      expect(computeBackoff(n, { ...schedule, jitter }, () => random)).toBe(expected);
    },
  );
});

describe('retry', () => {
  it('retries with growing delays until the task succeeds', async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    const running = retry(
      async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('flaky');
        return 'ok';
      },
      { retries: 5, minDelay: 100, factor: 3, jitter: 0 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    await expect(running).resolves.toBe('ok');
    const start = attempts[0]!;
    expect(attempts.map((at) => at - start)).toEqual([0, 100, 400]);
  });

  it('gives up with the last error when retries run out or shouldRetry says no', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          throw new Error(`attempt ${++calls}`);
        },
        { retries: 2, minDelay: 0 },
      ),
    ).rejects.toThrow('attempt 3');
    calls = 0;
    const shouldRetry = vi.fn(({ attempt }: { attempt: number }) => attempt < 2);
    await expect(
      retry(
        async () => {
          throw new Error(`attempt ${++calls}`);
        },
        { retries: 5, minDelay: 0, shouldRetry },
      ),
    ).rejects.toThrow('attempt 2');
    expect(shouldRetry).toHaveBeenCalledTimes(2);
  });

  it('stops waiting at once when its signal aborts', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let calls = 0;
    const running = retry(
      async () => {
        calls++;
        throw new Error('down');
      },
      { minDelay: 60_000, signal: controller.signal },
    );
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
    expect(calls).toBe(1);
  });

  it('validates its options', () => {
    expect(() => retry(async () => 1, { retries: -1 })).toThrow(
      'Expected `retries` to be an integer from 0 and up, got `-1` (number)',
    );
  });
});

describe('ParallelExecutor', () => {
  it('executeWithErrors calls every task and indexes the failures', async () => {
    const called: number[] = [];
    const tasks = [0, 1, 2, 3].map((n) => async () => {
      called.push(n);
      if (n % 2 === 1) throw new Error(`task ${n}`);
      return n * 10;
    });
    const { successes, failures } = await new ParallelExecutor({ concurrency: 2 }).executeWithErrors(tasks);
    expect(called.sort()).toEqual([0, 1, 2, 3]);
    expect(successes).toEqual([0, 20]);
    expect(failures.map(({ index, error }) => [index, error.message])).toEqual([
      [1, 'task 1'],
      [3, 'task 3'],
    ]);
  });

  it('executeWithRetry retries each task and keeps input order', async () => {
    const attempts = new Map<number, number>();
    const tasks = [0, 1, 2].map((n) => async () => {
      attempts.set(n, (attempts.get(n) ?? 0) + 1);
      if (attempts.get(n)! <= n) throw new Error('not yet');
      return n;
    });
    expect(await new ParallelExecutor().executeWithRetry(tasks, { retries: 3, minDelay: 0 })).toEqual([
      0, 1, 2,
    ]);
    expect([...attempts.values()]).toEqual([1, 2, 3]);
  });

  it('executeWithRetry rejects once a task runs out of retries and aborts the others', async () => {
    let otherSignal: AbortSignal | undefined;
    const tasks = [
      async () => {
        throw new Error('always');
      },
      (signal: AbortSignal) => {
        otherSignal = signal;
        return new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
    ];
    await expect(new ParallelExecutor().executeWithRetry(tasks, { retries: 1, minDelay: 0 })).rejects.toThrow(
      'always',
    );
    expect(otherSignal?.aborted).toBe(true);
  });
});

describe('fastFail and failSafe', () => {
  it('fastFail rejects at the first failure, aborts running tasks and starts no more', async () => {
    const signals: AbortSignal[] = [];
    const started: number[] = [];
    const tasks = [0, 1, 2, 3].map((n) => (signal: AbortSignal) => {
      started.push(n);
      signals.push(signal);
      if (n === 1) return Promise.reject(new Error('one'));
      return new Promise((resolve) => signal.addEventListener('abort', resolve));
    });
    await expect(fastFail(tasks, { concurrency: 2 })).rejects.toThrow('one');
    expect(started).toEqual([0, 1]);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('fastFail resolves with the values in order when all succeed', async () => {
    expect(await fastFail([async () => 1, () => 2])).toEqual([1, 2]);
  });

  it('failSafe returns values and Errors in input order', async () => {
    const outcomes = await failSafe([
      async () => 'a',
      async () => {
        throw new Error('b');
      },
      () => Promise.reject('c'),
    ]);
    expect(outcomes[0]).toBe('a');
    expect(outcomes[1]).toBeInstanceOf(Error);
    expect((outcomes[1] as Error).message).toBe('b');
    expect(outcomes[2]).toMatchObject({ message: 'c', cause: 'c' });
  });
});
