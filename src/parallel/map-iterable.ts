import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, createAbortError, linkSignals } from './abort.js';
import { startTask } from './limiter-calls.js';
import { closeQuietly, normalizeMapOptions, type Mapper, type ParallelMapOptions } from './map-options.js';
import { validateFunction, validateIterable } from '../internal/validate.js';

/**
 * Like parallelMap, but yields each result in input order as soon as it and those before it are ready,
 * keeping nothing else: at most `concurrency` items are read ahead and none are collected, so memory stays
 * flat however long the input. The first failure is thrown from the loop; leaving the loop early, a failure
 * or the signal aborts the mappers' signal and closes the input.
 *
 * @example
 * for await (const line of parallelMapIterable(readHosts(), (host) => $.ssh(host)`uptime`.text(), 16)) {
 *   console.log(line);
 * }
 */
export async function* parallelMapIterable<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  mapper: Mapper<T, R>,
  options?: number | ParallelMapOptions,
): AsyncGenerator<Awaited<R>, void, undefined> {
  validateIterable(items, 'items');
  validateFunction(mapper, 'mapper');
  const { concurrency, signal } = normalizeMapOptions(options, 'parallelMapIterable');
  const linked = linkSignals(signal);
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(abortReason(linked.signal));
    if (linked.signal.aborted) onAbort();
    else linked.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const iterator =
    Symbol.asyncIterator in Object(items)
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  const window: Array<Promise<unknown>> = [];
  let exhausted = false;
  let index = 0;
  try {
    for (;;) {
      while (!exhausted && window.length < concurrency) {
        const next = iterator.next();
        const step = signal ? await Promise.race([next, aborted]) : await next;
        if (step.done) {
          exhausted = true;
          break;
        }
        const at = index++;
        const result = startTask(() =>
          runWithTaskSignal(linked.signal, () => mapper(step.value, at, linked.signal)),
        );
        result.catch(() => undefined);
        window.push(result);
      }
      const head = window.shift();
      if (!head) return;
      yield (await (signal ? Promise.race([head, aborted]) : head)) as Awaited<R>;
    }
  } finally {
    if (!linked.signal.aborted) linked.controller.abort(createAbortError('parallelMapIterable stopped'));
    linked.dispose();
    // Not awaited: an async generator stuck in a pending next() would hold the caller forever.
    if (!exhausted) closeQuietly(iterator);
  }
}
