import { ConcurrencyLimiter } from './limiter.js';
import { ProgressTracker, type ProgressEvent, type ProgressTrackerOptions } from './progress.js';
import { runTasks, valuesOrAggregate } from './run-tasks.js';
import type { Task } from './task.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of one execute call; a bare number is `{ concurrency }`. */
export interface ProgressExecuteOptions {
  /** Most tasks running at once; `Infinity` allowed. Default: 5. */
  readonly concurrency?: number;
  /** Aborts every task and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * Runs tasks and reports progress as data: `onProgress` receives a ProgressEvent
 * `{ completed, failed, running, total, percent, ratePerSec, elapsedMs, etaMs }` as each task finishes.
 * Rendering is separate (VisualProgress, or your own). `execute` runs every task to its end, then rejects
 * with an AggregateError of the failures if any failed, so the counts always reach the total.
 *
 * @example
 * const progress = new ParallelProgress(tasks.length, { onProgress: (event) => console.log(`${event.percent.toFixed(1)}%`) });
 * await progress.execute(tasks, 10);
 */
export class ParallelProgress {
  readonly #tracker: ProgressTracker;

  constructor(total: number, options: ProgressTrackerOptions = {}) {
    this.#tracker = new ProgressTracker(total, options);
  }

  /** The progress now. */
  snapshot(): ProgressEvent {
    return this.#tracker.snapshot();
  }

  /**
   * Runs the tasks, at most `concurrency` at once, and resolves with their values in input order.
   *
   * @example
   * const results = await progress.execute(tasks, { concurrency: 4, signal });
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
      onStart: () => this.#tracker.started(),
      onSettle: (_, outcome) => this.#tracker.finished(outcome.status === 'fulfilled'),
    }).then(valuesOrAggregate);
  }
}
