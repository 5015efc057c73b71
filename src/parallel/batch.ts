import { FanoutError } from '../errors.js';
import { onAbort } from '../internal/on-abort.js';
import { runWithTaskSignal } from '../internal/task-signal.js';
import { setLongTimeout, type LongTimer } from '../internal/timer.js';
import {
  validateFunction,
  validateInteger,
  validateNumber,
  validateOptions,
  validateSignal,
} from '../internal/validate.js';

/** Options of TaskBatcher. */
export interface TaskBatcherOptions {
  /**
   * Aborting it rejects the items still waiting and every later `add()` with the signal's reason, and kills
   * the `$` commands that running processor calls created (the processor also gets it). Default: none.
   */
  readonly signal?: AbortSignal;
}

/** Processes one batch: one result per item, in order. `signal` is the batcher's. */
export type BatchProcessor<T, R> = (items: T[], signal: AbortSignal) => R[] | PromiseLike<R[]>;

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects items into batches for one processor call each: a batch goes when it holds `batchSize` items or
 * `batchDelayMs` after its first item, whichever comes first. The processor returns one result per item,
 * in order; each `add()` resolves with its own. A processor that returns another number of results rejects
 * every item of that batch with a FanoutError of code `BATCH_MISMATCH`. With a `signal`, aborting it
 * rejects what waits and kills the `$` commands of running batches.
 *
 * @example
 * const batcher = new TaskBatcher(10, 100, (batch) => $`process-batch`.stdin(JSON.stringify(batch)).json<Result[]>());
 * const results = await Promise.all(items.map((item) => batcher.add(item)));
 * await batcher.close();
 */
export class TaskBatcher<T, R> {
  readonly #batchSize: number;
  readonly #batchDelayMs: number;
  readonly #processor: BatchProcessor<T, R>;
  readonly #signal: AbortSignal;
  #batch: Array<Waiting<T, R>> = [];
  #timer: LongTimer | undefined;
  #closed = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    batchSize: number,
    batchDelayMs: number,
    processor: BatchProcessor<T, R>,
    options: TaskBatcherOptions = {},
  ) {
    this.#batchSize = validateInteger(batchSize, 'batchSize', 1);
    this.#batchDelayMs = validateNumber(batchDelayMs, 'batchDelayMs', 0);
    validateFunction(processor, 'processor');
    this.#processor = processor;
    const { signal } = validateOptions<TaskBatcherOptions>(options, 'TaskBatcher', ['signal']);
    this.#signal = validateSignal(signal) ?? new AbortController().signal;
    if (!this.#signal.aborted) onAbort(this.#signal, (reason) => this.#abort(reason));
  }

  /** Items waiting for their batch to go. */
  get pendingCount(): number {
    return this.#batch.length;
  }

  /**
   * Adds an item; resolves with its result once its batch is processed. Rejects with a TypeError after close().
   *
   * @example
   * const result = await batcher.add({ id: 7 });
   */
  add(item: T): Promise<R> {
    if (this.#signal.aborted) return Promise.reject(this.#signal.reason);
    if (this.#closed) return Promise.reject(new TypeError('Cannot add to a TaskBatcher that is closed'));
    return new Promise<R>((resolve, reject) => {
      this.#batch.push({ item, resolve, reject });
      if (this.#batch.length >= this.#batchSize) void this.flush();
      else this.#timer ??= setLongTimeout(() => void this.flush(), this.#batchDelayMs);
    });
  }

  /**
   * Sends the waiting items now; resolves once that batch is processed (item errors go to their `add()`).
   *
   * @example
   * await batcher.flush();
   */
  flush(): Promise<void> {
    this.#timer?.clear();
    this.#timer = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return Promise.resolve();
    this.#batch = [];
    const processing = this.#process(batch);
    this.#inFlight.add(processing);
    void processing.finally(() => this.#inFlight.delete(processing));
    return processing;
  }

  /**
   * Processes what waits, rejects later `add()` calls, and resolves once every batch sent has finished.
   *
   * @example
   * await batcher.close();
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await Promise.all(this.#inFlight);
  }

  #abort(reason: unknown): void {
    this.#timer?.clear();
    this.#timer = undefined;
    const batch = this.#batch;
    this.#batch = [];
    for (const waiting of batch) waiting.reject(reason);
  }

  async #process(batch: Array<Waiting<T, R>>): Promise<void> {
    let results: R[];
    const signal = this.#signal;
    const items = batch.map((waiting) => waiting.item);
    try {
      results = await runWithTaskSignal(signal, () => this.#processor(items, signal));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    if (!Array.isArray(results) || results.length !== batch.length) {
      const got = Array.isArray(results) ? `${results.length} results` : `\`${String(results)}\``;
      const error = new FanoutError(
        `TaskBatcher processor returned ${got} for a batch of ${batch.length} items; expected one result per item`,
        { code: 'BATCH_MISMATCH' },
      );
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => waiting.resolve(results[index] as R));
  }
}
