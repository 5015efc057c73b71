import { onAbort } from './on-abort.js';

/**
 * Timers for any duration fanout accepts. Node runs a `setTimeout` of 2³¹ ms or more (about 24.8 days)
 * after 1 ms instead, so a `--timeout 600h` would kill every job at once; these timers wait in steps
 * below that limit until the whole delay has passed.
 */

/** The longest delay one Node timer keeps: 2³¹ − 1 ms. */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/** A running timer made by setLongTimeout. */
export interface LongTimer {
  /** Stops the timer; its callback will not run. Safe to call more than once, or after it fired. */
  clear(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): this;
}

/**
 * Calls `callback` once after `ms` milliseconds, however long that is. A negative or non-finite `ms` is a
 * TypeError: every duration is checked where the user gives it, so one here is a bug.
 *
 * @example
 * const timer = setLongTimeout(() => kill('SIGTERM'), 600 * 3_600_000).unref();
 * // …
 * timer.clear();
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new TypeError(`Expected a timer delay in milliseconds from 0 up, got \`${String(ms)}\``);
  }
  let remaining = ms;
  let referenced = true;
  let handle: NodeJS.Timeout | undefined;
  const step = (): void => {
    const wait = Math.min(remaining, MAX_TIMER_STEP_MS);
    remaining -= wait;
    handle = setTimeout(remaining > 0 ? step : fire, wait);
    if (!referenced) handle.unref();
  };
  const fire = (): void => {
    handle = undefined;
    callback();
  };
  step();
  return {
    clear() {
      clearTimeout(handle);
      handle = undefined;
      remaining = 0;
    },
    unref() {
      referenced = false;
      handle?.unref();
      return this;
    },
  };
}

/**
 * Resolves after `ms` milliseconds, however long; rejects with the signal's reason as soon as it aborts.
 * With `unref`, the wait alone does not keep the process alive.
 *
 * @example
 * await sleep(backoffMs, { signal });
 */
export function sleep(
  ms: number,
  options: { readonly signal?: AbortSignal; readonly unref?: boolean } = {},
): Promise<void> {
  const { signal, unref = false } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setLongTimeout(() => {
      stop();
      resolve();
    }, ms);
    if (unref) timer.unref();
    const stop = signal
      ? onAbort(signal, (reason) => {
          timer.clear();
          reject(reason);
        })
      : noop;
  });
}

function noop(): void {}
