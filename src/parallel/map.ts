import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, createAbortError, linkSignals } from './abort.js';
import {
  closeQuietly,
  isThenable,
  normalizeMapOptions,
  type Mapper,
  type ParallelMapOptions,
} from './map-options.js';
import { startTask } from './limiter-calls.js';
import { validateFunction, validateIterable } from '../internal/validate.js';

/** Shared state of one parallelMap run: stops every worker once anything fails. */
interface Run {
  stopped: boolean;
  readonly signal: AbortSignal;
  /** Rejects the whole map with `error` at once. */
  fail(error: unknown): void;
}

/**
 * Maps items with at most `concurrency` mapper calls at once and resolves with the results in input order.
 * Items may be an array, any iterable or an async iterable; iterables are read lazily, one item per free
 * worker, so a 10-million-item generator never has more than `concurrency` items in flight.
 * The first failure rejects at once; the other mappers' `signal` aborts and no further item is read.
 *
 * @example
 * const contents = await parallelMap(files, (file) => $`cat ${file}`.text(), 3);
 * const sizes = await parallelMap(readLines(path), async (line) => line.length, { concurrency: 8, signal });
 */
export function parallelMap<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  mapper: Mapper<T, Awaited<R>> | Mapper<T, R>,
  options?: number | ParallelMapOptions,
): Promise<Awaited<R>[]> {
  validateIterable(items, 'items');
  validateFunction(mapper, 'mapper');
  const { concurrency, signal } = normalizeMapOptions(options, 'parallelMap');
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const linked = linkSignals(signal);
  const map = mapper as Mapper<T, unknown>;
  return new Promise((resolve, reject) => {
    const run: Run = { stopped: false, signal: linked.signal, fail: (error) => stop(error) };
    const stop = (error: unknown): void => {
      if (run.stopped) return;
      run.stopped = true;
      linked.signal.removeEventListener('abort', onAbort);
      linked.controller.abort(createAbortError('parallelMap stopped early'));
      linked.dispose();
      reject(error);
    };
    const onAbort = (): void => stop(abortReason(linked.signal));
    linked.signal.addEventListener('abort', onAbort, { once: true });
    // Every worker runs in the map's task scope (one scope for the whole map, kept across the workers'
    // awaits), so the `$` commands that mappers create are killed when the map stops early.
    const work = runWithTaskSignal(run.signal, () =>
      Array.isArray(items)
        ? mapArray(items as T[], map, concurrency, run)
        : Symbol.iterator in Object(items) && concurrency !== Infinity
          ? mapIterator((items as Iterable<T>)[Symbol.iterator](), map, concurrency, run)
          : Symbol.iterator in Object(items)
            ? mapArray(Array.from(items as Iterable<T>), map, concurrency, run)
            : mapAsyncIterator((items as AsyncIterable<T>)[Symbol.asyncIterator](), map, concurrency, run),
    );
    work.then((results) => {
      if (run.stopped) return;
      run.stopped = true;
      linked.signal.removeEventListener('abort', onAbort);
      linked.dispose();
      resolve(results as Awaited<R>[]);
    }, stop);
  });
}

async function mapArray<T>(items: T[], mapper: Mapper<T, unknown>, concurrency: number, run: Run) {
  const results: unknown[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!run.stopped) {
      const index = next++;
      if (index >= items.length) return;
      const value = mapper(items[index] as T, index, run.signal);
      results[index] = isThenable(value) ? await value : value;
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = Math.min(concurrency, items.length); i > 0; i--) workers.push(worker());
  await Promise.all(workers);
  return results;
}

async function mapIterator<T>(
  iterator: Iterator<T>,
  mapper: Mapper<T, unknown>,
  concurrency: number,
  run: Run,
) {
  const results: unknown[] = [];
  let next = 0;
  let exhausted = false;
  const worker = async (): Promise<void> => {
    while (!run.stopped && !exhausted) {
      const step = iterator.next();
      if (step.done) {
        exhausted = true;
        return;
      }
      const index = next++;
      const value = mapper(step.value, index, run.signal);
      results[index] = isThenable(value) ? await value : value;
    }
  };
  const workers: Promise<void>[] = [];
  try {
    for (let i = concurrency; i > 0 && !exhausted; i--) workers.push(worker());
    await Promise.all(workers);
  } finally {
    if (!exhausted) iterator.return?.();
  }
  return results;
}

/** One reader pulls the next item only when a worker is free, so memory stays bounded by `concurrency`. */
async function mapAsyncIterator<T>(
  iterator: AsyncIterator<T>,
  mapper: Mapper<T, unknown>,
  concurrency: number,
  run: Run,
) {
  const results: unknown[] = [];
  let running = 0;
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const settled = (): void => {
    running--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const idle = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  let exhausted = false;
  try {
    for (let index = 0; !run.stopped && !failure; index++) {
      if (running >= concurrency) {
        await idle();
        index--;
        continue;
      }
      const step = await iterator.next();
      if (step.done) {
        exhausted = true;
        break;
      }
      running++;
      const at = index;
      startTask(() => mapper(step.value, at, run.signal)).then(
        (value) => {
          results[at] = value;
          settled();
        },
        (error: unknown) => {
          failure ??= { error };
          run.fail(error);
          settled();
        },
      );
    }
    while (running > 0 && !run.stopped && !failure) await idle();
    if (failure) throw failure.error;
  } finally {
    if (!exhausted) closeQuietly(iterator);
  }
  return results;
}
