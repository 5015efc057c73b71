/**
 * Abort listeners without one `addEventListener` per waiter: every signal gets a single real listener that
 * calls the waiters registered here, so any number of queued calls, commands or backoff waits can share one
 * signal without a MaxListenersExceededWarning, and removing a waiter is O(1).
 */

type Listener = (reason: unknown) => void;

const waiters = new WeakMap<AbortSignal, Set<Listener>>();

function dispatch(this: AbortSignal): void {
  const listeners = waiters.get(this);
  waiters.delete(this);
  if (listeners) for (const listener of listeners) listener(this.reason);
}

/**
 * Calls `listener` with the signal's reason when `signal` aborts; returns the function that stops
 * listening. Check `signal.aborted` first: an already-aborted signal never calls it.
 *
 * @example
 * const stop = onAbort(signal, (reason) => reject(reason));
 * try { await work(); } finally { stop(); }
 */
export function onAbort(signal: AbortSignal, listener: Listener): () => void {
  let listeners = waiters.get(signal);
  if (!listeners) {
    if (signal.aborted) return noop;
    waiters.set(signal, (listeners = new Set()));
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const own = listeners;
  // A wrapper per registration, so one function registered twice is two waiters.
  const entry: Listener = (reason) => listener(reason);
  own.add(entry);
  return () => {
    own.delete(entry);
  };
}

/**
 * Like onAbort for several signals: `listener` runs once, with the reason of the first to abort.
 *
 * @example
 * const stop = onAnyAbort([options.signal, taskSignal], (reason) => kill(reason));
 */
export function onAnyAbort(signals: ReadonlyArray<AbortSignal | undefined>, listener: Listener): () => void {
  const stops: Array<() => void> = [];
  const stop = (): void => {
    for (const each of stops) each();
  };
  for (const signal of signals) {
    if (signal) {
      stops.push(
        onAbort(signal, (reason) => {
          stop();
          listener(reason);
        }),
      );
    }
  }
  return stop;
}

/**
 * The first of the signals that has aborted, or undefined.
 *
 * @example
 * const aborted = firstAborted([options.signal, taskSignal]);
 * if (aborted) throw aborted.reason;
 */
export function firstAborted(signals: ReadonlyArray<AbortSignal | undefined>): AbortSignal | undefined {
  return signals.find((signal) => signal?.aborted);
}

function noop(): void {}
