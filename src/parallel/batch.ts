import { FanoutError } from '../errors.js';
import { validateFunction, validateInteger, validateNumber } from '../internal/validate.js';

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects items into batches for one processor call each: a batch goes when it holds `batchSize` items or
 * `batchDelayMs` after its first item, whichever comes first. The processor returns one result per item,
 * in order; each `add()` resolves with its own. A processor that returns another number of results rejects
 * every item of that batch with a FanoutError of code `BATCH_MISMATCH`.
 *
 * @example
 * const batcher = new TaskBatcher(10, 100, (batch) => $`process-batch`.stdin(JSON.stringify(batch)).json<Result[]>());
 * const results = await Promise.all(items.map((item) => batcher.add(item)));
 * await batcher.close();
 */
export class TaskBatcher<T, R> {
  readonly #batchSize: number;
  readonly #batchDelayMs: number;
  readonly #processor: (items: T[]) => R[] | PromiseLike<R[]>;
  #batch: Array<Waiting<T, R>> = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(batchSize: number, batchDelayMs: number, processor: (items: T[]) => R[] | PromiseLike<R[]>) {
    this.#batchSize = validateInteger(batchSize, 'batchSize', 1);
    this.#batchDelayMs = validateNumber(batchDelayMs, 'batchDelayMs', 0);
    validateFunction(processor, 'processor');
    this.#processor = processor;
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
    if (this.#closed) return Promise.reject(new TypeError('Cannot add to a TaskBatcher that is closed'));
    return new Promise<R>((resolve, reject) => {
      this.#batch.push({ item, resolve, reject });
      if (this.#batch.length >= this.#batchSize) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), this.#batchDelayMs);
    });
  }

  /**
   * Sends the waiting items now; resolves once that batch is processed (item errors go to their `add()`).
   *
   * @example
   * await batcher.flush();
   */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
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

  async #process(batch: Array<Waiting<T, R>>): Promise<void> {
    let results: R[];
    try {
      results = await this.#processor(batch.map((waiting) => waiting.item));
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
