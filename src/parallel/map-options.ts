import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of parallelMap and parallelMapIterable; a bare number is `{ concurrency }`. */
export interface ParallelMapOptions {
  /** Most mapper calls running at once; `Infinity` allowed. Default: 5. */
  readonly concurrency?: number;
  /** Stops pulling items and rejects with the signal's reason; the mappers' own signal aborts too. Default: none. */
  readonly signal?: AbortSignal;
}

/** Maps one item. `signal` aborts when the whole map stops early (a failure elsewhere, or the caller's signal). */
export type Mapper<T, R> = (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>;

/**
 * Checks the options of a parallel map once, at the call.
 *
 * @example
 * const { concurrency, signal } = normalizeMapOptions(3, 'parallelMap');
 */
export function normalizeMapOptions(
  options: number | ParallelMapOptions | undefined,
  owner: string,
): { concurrency: number; signal: AbortSignal | undefined } {
  const { concurrency = 5, signal } =
    typeof options === 'number' || options === undefined
      ? { concurrency: options }
      : validateOptions<ParallelMapOptions>(options, owner, ['concurrency', 'signal']);
  return {
    concurrency: validateInteger(concurrency, 'concurrency', 1, true),
    signal: validateSignal(signal),
  };
}

/**
 * True for anything with a `then` method: native promises and lazy ones such as a ProcessPromise.
 *
 * @example
 * isThenable(Promise.resolve(1)); // true
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}

/**
 * Closes an input that was not read to its end, without waiting (an async generator stuck in a pending
 * `next()` would hold the caller forever) and without throwing.
 *
 * @example
 * if (!exhausted) closeQuietly(iterator);
 */
export function closeQuietly(iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
  try {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  } catch {
    // An input that cannot close has nothing more to give.
  }
}
