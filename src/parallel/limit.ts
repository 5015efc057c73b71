import { ConcurrencyLimiter, type LimiterOptions, type RunOptions } from './limiter.js';

/** A p-limit-shaped function: call it with a function (and its arguments) to run it under the limit. */
export interface LimitFunction {
  <Arguments extends unknown[], T>(
    fn: (...args: Arguments) => T | PromiseLike<T>,
    ...args: Arguments
  ): Promise<T>;
  /** Calls running now. */
  readonly activeCount: number;
  /** Calls waiting to start. */
  readonly pendingCount: number;
  /** Most slots in use at once; settable while calls run. */
  concurrency: number;
  /** Rejects every waiting call with an AbortError. */
  clearQueue(): void;
  /** Runs `fn` with per-call options: `{ signal, weight, key }`. */
  run<T>(fn: () => T | PromiseLike<T>, options?: RunOptions): Promise<T>;
}

/**
 * Makes a p-limit-shaped limiter: `limit(n)` returns a function that runs at most `n` calls at once, in the
 * order they came. Unlike p-limit, `clearQueue()` rejects the waiting calls rather than leaving them pending.
 *
 * @example
 * const run = limit(3);
 * const results = await Promise.all(commands.map((command) => run(() => $.raw`${command}`)));
 * run.concurrency = 8; // takes effect at once
 */
export function limit(options: number | LimiterOptions): LimitFunction {
  const limiter = new ConcurrencyLimiter(options);
  // A plain function reading `arguments`, not a rest parameter: no array is allocated for the common
  // no-argument call, which keeps the per-task cost at the limiter's own.
  function call<Arguments extends unknown[], T>(
    fn: (...args: Arguments) => T | PromiseLike<T>,
    ...args: Arguments
  ): Promise<T>;
  function call(fn: (...args: unknown[]) => unknown): Promise<unknown> {
    if (arguments.length <= 1) return limiter.run(fn);
    // eslint-disable-next-line prefer-rest-params
    const args = Array.prototype.slice.call(arguments, 1) as unknown[];
    return limiter.run(() => fn(...args));
  }
  return Object.defineProperties(call, {
    activeCount: { get: () => limiter.activeCount },
    pendingCount: { get: () => limiter.pendingCount },
    concurrency: {
      get: () => limiter.concurrency,
      set: (value: number) => {
        limiter.concurrency = value;
      },
    },
    clearQueue: { value: () => limiter.clearQueue() },
    run: { value: <T>(fn: () => T | PromiseLike<T>, runOptions?: RunOptions) => limiter.run(fn, runOptions) },
  }) as LimitFunction;
}
