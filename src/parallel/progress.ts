import { ConcurrencyLimiter } from './limiter.js';
import { runTasks, valuesOrAggregate } from './run-tasks.js';
import type { Task } from './task.js';
import { validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** One progress report: plain data, for any renderer. */
export interface ProgressEvent {
  /** Tasks that succeeded. */
  readonly completed: number;
  readonly failed: number;
  /** Tasks started and not yet finished. */
  readonly running: number;
  readonly total: number;
  /** Finished (completed + failed) out of total, 0–100; 100 when total is 0. */
  readonly percent: number;
  /** Finishes per second over the recent window; 0 until the first finish. */
  readonly ratePerSec: number;
  readonly elapsedMs: number;
  /** Remaining tasks at the recent rate; undefined while there is no rate to go by. */
  readonly etaMs: number | undefined;
}

/** Options of one execute call; a bare number is `{ concurrency }`. */
export interface ProgressExecuteOptions {
  /** Most tasks running at once; `Infinity` allowed. Default: 5. */
  readonly concurrency?: number;
  /** Aborts every task and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/** Options of ProgressTracker. */
export interface ProgressTrackerOptions {
  /** Called with a fresh event each time a task finishes. Default: none. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** How many recent finishes the rate is measured over. Default: 20. */
  readonly window?: number;
  /** The clock, in milliseconds. Default: `Date.now`. */
  readonly now?: () => number;
}

/**
 * Counts tasks as they start and finish and turns the counts into ProgressEvents. The rate comes from the
 * last `window` finishes (not the whole run), so the ETA follows recent throughput; nothing divides by zero.
 *
 * Count by hand with `started()` / `finished(ok)`, or let `execute(tasks)` run the tasks and count them.
 *
 * @example
 * const tracker = new ProgressTracker(hosts.length, { onProgress: (event) => log(event.percent) });
 * tracker.started(); await work(); tracker.finished(true);
 *
 * await new ProgressTracker(tasks.length, { onProgress }).execute(tasks);
 */
export class ProgressTracker {
  readonly total: number;
  #completed = 0;
  #failed = 0;
  #running = 0;
  readonly #startedAt: number;
  readonly #onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly #now: () => number;
  /** Times and finished counts of recent finishes, as a ring; slot 0 starts as (start, 0). */
  readonly #times: number[];
  readonly #counts: number[];
  #oldest = 0;
  #size = 1;

  constructor(total: number, options: ProgressTrackerOptions = {}) {
    validateOptions(options, 'ProgressTracker', ['onProgress', 'window', 'now']);
    this.total = validateInteger(total, 'total', 0);
    const { onProgress, window = 20, now = Date.now } = options;
    if (onProgress !== undefined) validateFunction(onProgress, 'onProgress');
    validateFunction(now, 'now');
    validateInteger(window, 'window', 1);
    this.#onProgress = onProgress;
    this.#now = now;
    this.#startedAt = now();
    this.#times = new Array<number>(window + 1).fill(this.#startedAt);
    this.#counts = new Array<number>(window + 1).fill(0);
  }

  /** Records that a task started. */
  started(): void {
    this.#running++;
  }

  /** Records that a started task finished, well or not, and reports. */
  finished(ok: boolean): void {
    this.#running = Math.max(0, this.#running - 1);
    if (ok) this.#completed++;
    else this.#failed++;
    const capacity = this.#times.length;
    const at = (this.#oldest + this.#size) % capacity;
    this.#times[at] = this.#now();
    this.#counts[at] = this.#completed + this.#failed;
    if (this.#size < capacity) this.#size++;
    else this.#oldest = (this.#oldest + 1) % capacity;
    this.#onProgress?.(this.snapshot());
  }

  /**
   * Runs the tasks, at most `concurrency` at once, counting each start and finish, and resolves with their
   * values in input order. Every task runs to its end; then it rejects with an AggregateError of the
   * failures if any failed, so the counts always reach the total.
   *
   * @example
   * const results = await tracker.execute(tasks, { concurrency: 4, signal });
   */
  execute<T>(tasks: ReadonlyArray<Task<T>>, options: number | ProgressExecuteOptions = 5): Promise<T[]> {
    const { concurrency = 5, signal } =
      typeof options === 'number'
        ? { concurrency: options }
        : validateOptions<ProgressExecuteOptions>(options, 'execute', ['concurrency', 'signal']);
    validateInteger(concurrency, 'concurrency', 1, true);
    return runTasks(tasks, {
      limiter: new ConcurrencyLimiter(concurrency),
      signal: validateSignal(signal),
      stopOnError: false,
      onStart: () => this.started(),
      onSettle: (_, outcome) => this.finished(outcome.status === 'fulfilled'),
    }).then(valuesOrAggregate);
  }

  /** The progress now. */
  snapshot(): ProgressEvent {
    const now = this.#now();
    const finished = this.#completed + this.#failed;
    const span = now - (this.#times[this.#oldest] as number);
    const ratePerSec =
      finished === 0 || span <= 0 ? 0 : ((finished - (this.#counts[this.#oldest] as number)) * 1000) / span;
    const remaining = Math.max(0, this.total - finished);
    return {
      completed: this.#completed,
      failed: this.#failed,
      running: this.#running,
      total: this.total,
      percent: this.total === 0 ? 100 : Math.min(100, (finished / this.total) * 100),
      ratePerSec,
      elapsedMs: now - this.#startedAt,
      etaMs: remaining === 0 ? 0 : ratePerSec > 0 ? (remaining / ratePerSec) * 1000 : undefined,
    };
  }
}
