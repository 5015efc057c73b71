import {
  ProgressTracker,
  type ProgressEvent,
  type ProgressExecuteOptions,
  type ProgressTrackerOptions,
} from './progress.js';
import type { Task } from './task.js';

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
    return this.#tracker.execute(tasks, options);
  }
}
