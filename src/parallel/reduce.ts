import { abortReason } from './abort.js';
import { parallelMap } from './map.js';
import {
  validateFunction,
  validateInteger,
  validateIterable,
  validateOptions,
  validateSignal,
} from '../internal/validate.js';

/** Options of parallelReduce; a bare number is `{ chunkSize }`. */
export interface ParallelReduceOptions {
  /** Items folded together by one reducer chain at each level of the tree; from 2 up. Default: 2. */
  readonly chunkSize?: number;
  /** Most chunks reduced at once; `Infinity` allowed. Default: `Infinity`. */
  readonly concurrency?: number;
  /** Stops the reduction and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * Reduces items as a tree: each level splits the values into chunks of `chunkSize`, folds every chunk left
 * to right in parallel, and feeds the chunk results to the next level until one value remains. Chunk order
 * is kept, so for an associative reducer the result equals a sequential left fold (commutativity is not
 * needed). An empty input is a TypeError: there is no initial value to return.
 *
 * @example
 * const merged = await parallelReduce(files, async (left, right) => `${left}\n${right}`, 4);
 * const total = await parallelReduce(numbers, (a, b) => a + b, { chunkSize: 8, concurrency: 2 });
 */
export function parallelReduce<T>(
  items: Iterable<T> | AsyncIterable<T>,
  reducer: (accumulator: T, item: T) => T | PromiseLike<T>,
  options: number | ParallelReduceOptions = 2,
): Promise<T> {
  validateIterable(items, 'items');
  validateFunction(reducer, 'reducer');
  const {
    chunkSize = 2,
    concurrency = Infinity,
    signal,
  } = typeof options === 'number'
    ? { chunkSize: options }
    : validateOptions<ParallelReduceOptions>(options, 'parallelReduce', [
        'chunkSize',
        'concurrency',
        'signal',
      ]);
  validateInteger(chunkSize, 'chunkSize', 2);
  validateInteger(concurrency, 'concurrency', 1, true);
  validateSignal(signal);
  return reduceTree(items, reducer, chunkSize, concurrency, signal);
}

async function reduceTree<T>(
  items: Iterable<T> | AsyncIterable<T>,
  reducer: (accumulator: T, item: T) => T | PromiseLike<T>,
  chunkSize: number,
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  let level = Array.isArray(items) ? (items as T[]) : await collect(items);
  if (level.length === 0) {
    throw new TypeError(
      'Expected `items` to hold at least one item: an empty input has nothing to reduce to',
    );
  }
  while (level.length > 1) {
    if (signal?.aborted) throw abortReason(signal);
    const values = level;
    const chunks = Math.ceil(values.length / chunkSize);
    const starts = Array.from({ length: chunks }, (_, chunk) => chunk * chunkSize);
    level = await parallelMap(
      starts,
      async (start) => {
        let accumulator = values[start] as T;
        const end = Math.min(start + chunkSize, values.length);
        for (let i = start + 1; i < end; i++) accumulator = await reducer(accumulator, values[i] as T);
        return accumulator;
      },
      { concurrency, signal },
    );
  }
  return level[0] as T;
}

async function collect<T>(items: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const item of items) values.push(item);
  return values;
}
