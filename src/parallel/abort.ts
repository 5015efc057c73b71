import { firstAborted, onAnyAbort } from '../internal/on-abort.js';
import { sleep } from '../internal/timer.js';

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
  const aborted = firstAborted(parents);
  if (aborted) {
    controller.abort(abortReason(aborted));
    return { controller, signal: controller.signal, dispose: () => undefined };
  }
  const dispose = onAnyAbort(parents, (reason) => controller.abort(reason ?? createAbortError()));
  return { controller, signal: controller.signal, dispose };
}

/**
 * Resolves after `ms` milliseconds (any length: long delays are chained), or rejects with the signal's
 * reason as soon as it aborts.
 *
 * @example
 * await delay(250, signal);
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return sleep(ms, { signal });
}
