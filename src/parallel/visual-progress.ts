import type { ProgressEvent } from './progress.js';
import { ParallelProgress } from './parallel-progress.js';
import type { ProgressExecuteOptions } from './progress.js';
import { formatProgressBar, formatProgressLine } from './render-progress.js';
import type { Task } from './task.js';
import { validateInteger, validateOptions } from '../internal/validate.js';

/** Where VisualProgress writes: a TTY stream gets a redrawn bar, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of VisualProgress. */
export interface VisualProgressOptions {
  /** Default: `process.stderr`. */
  readonly stream?: ProgressStream;
  /** Least time between two draws, in ms: a bar redraw on a TTY, a new line elsewhere. Default: 100 on a TTY, 1000 else. */
  readonly intervalMs?: number;
  /** The clock, in milliseconds. Default: `Date.now`. */
  readonly now?: () => number;
}

/**
 * Draws progress: on a TTY a bar redrawn in place (at most every `intervalMs`), elsewhere plain lines with
 * no escape codes (at most one per `intervalMs`). The last state is always drawn when the run ends.
 *
 * @example
 * const visual = new VisualProgress(tasks.length);
 * await visual.executeAll(tasks, 5);
 */
export class VisualProgress {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #progress: ParallelProgress;
  #lastDraw = -Infinity;
  #drawn = false;
  /** Finished count at the last draw, so stop() does not repeat a final line already drawn. */
  #lastFinished = -1;

  constructor(total: number, options: VisualProgressOptions = {}) {
    const {
      stream = process.stderr,
      intervalMs,
      now = Date.now,
    } = validateOptions<VisualProgressOptions>(options, 'VisualProgress', ['stream', 'intervalMs', 'now']);
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#intervalMs = validateInteger(intervalMs ?? (this.#tty ? 100 : 1000), 'intervalMs', 0);
    this.#now = now;
    this.#progress = new ParallelProgress(total, { now, onProgress: (event) => this.render(event) });
  }

  /**
   * Runs every task with at most `concurrency` at once while drawing, then draws the final state.
   *
   * @example
   * const results = await visual.executeAll(tasks, { concurrency: 8, signal });
   */
  async executeAll<T>(
    tasks: ReadonlyArray<Task<T>>,
    options: number | ProgressExecuteOptions = 5,
  ): Promise<T[]> {
    try {
      return await this.#progress.execute(tasks, options);
    } finally {
      this.stop();
    }
  }

  /**
   * Draws an event, unless the last draw was less than `intervalMs` ago. Any ProgressEvent source will do.
   *
   * @example
   * tracker = new ProgressTracker(total, { onProgress: (event) => visual.render(event) });
   */
  render(event: ProgressEvent, force = false): void {
    const now = this.#now();
    const finished = event.completed + event.failed >= event.total;
    if (!force && !finished && now - this.#lastDraw < this.#intervalMs) return;
    this.#lastDraw = now;
    this.#drawn = true;
    this.#lastFinished = event.completed + event.failed;
    if (!this.#tty) {
      this.#stream.write(`${formatProgressLine(event)}\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (this.#stream.columns ?? 80) - 70));
    this.#stream.write(`\r${formatProgressBar(event, width)}\x1b[K`);
  }

  /** Draws the final state and, on a TTY, ends the bar's line. */
  stop(): void {
    const event = this.#progress.snapshot();
    if (event.completed + event.failed !== this.#lastFinished) this.render(event, true);
    if (this.#tty && this.#drawn) this.#stream.write('\n');
  }
}
