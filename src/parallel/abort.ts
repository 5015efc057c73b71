/**
 * How the toolkit cancels: standard AbortSignals in, standard `AbortError` DOMExceptions out, so callers
 * test `error.name === 'AbortError'` whatever stopped the work.
 */

/**
 * An `AbortError` DOMException, the same kind `AbortSignal.abort()` gives as its reason.
 *
 * @example
 * limiter.clearQueue(); // queued calls reject with createAbortError('The queue was cleared')
 */
export function createAbortError(message = 'This operation was aborted'): DOMException {
  return new DOMException(message, 'AbortError');
}

/**
 * Why `signal` was aborted: its reason, or an AbortError when it has none.
 *
 * @example
 * if (signal.aborted) throw abortReason(signal);
 */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? createAbortError();
}

/**
 * A controller that also aborts when any of the given signals does; it stops listening once it aborts.
 * Call `dispose()` when the work is done so a long-lived parent signal keeps no listener.
 *
 * @example
 * const linked = linkSignals(options.signal);
 * try { await work(linked.signal); } finally { linked.dispose(); }
 */
export function linkSignals(...parents: ReadonlyArray<AbortSignal | undefined>): {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  dispose(): void;
} {
  const controller = new AbortController();
  const live = parents.filter((parent): parent is AbortSignal => parent !== undefined);
  const onAbort = (event: Event): void => {
    dispose();
    controller.abort(abortReason(event.target as AbortSignal));
  };
  const dispose = (): void => {
    for (const parent of live) parent.removeEventListener('abort', onAbort);
  };
  for (const parent of live) {
    if (parent.aborted) {
      controller.abort(abortReason(parent));
      break;
    }
    parent.addEventListener('abort', onAbort, { once: true });
  }
  if (controller.signal.aborted) dispose();
  return { controller, signal: controller.signal, dispose };
}

/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as it aborts.
 *
 * @example
 * await delay(250, signal);
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
