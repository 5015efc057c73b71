/** How far ahead a worker claims: jobs for about this long at its pace. */
const AHEAD_MS = 200;
/** The shortest span a pace is measured over. */
const SAMPLE_MS = 100;
/** The most jobs claimed at once, whatever the pace (a worker's -j above it claims -j). */
export const MAX_CLAIM = 256;

/**
 * How many jobs a worker claims at once: its concurrency, or more when its jobs end fast enough, so that a
 * claim holds about {@link AHEAD_MS} of work at the pace measured since the last change. A worker through
 * short jobs thus asks the database once per many jobs, while one running long jobs holds no more than it
 * can start; what it holds beyond that is never more than a fraction of a second of work, which other
 * workers would wait for at the end of a run.
 *
 * @example
 * const sizer = new ClaimSizer(8);
 * sizer.next(); // 8 at first
 * // … after 1,000 jobs ended in the last 100 ms:
 * sizer.next(); // 256
 */
export class ClaimSizer {
  readonly #concurrency: number;
  readonly #now: () => number;
  #since: number;
  #ended = 0;
  #size: number;

  constructor(concurrency: number, now: () => number = () => performance.now()) {
    this.#concurrency = concurrency;
    this.#now = now;
    this.#since = now();
    this.#size = concurrency;
  }

  /** One of the run's jobs ended on this worker. */
  ended(): void {
    this.#ended += 1;
  }

  /** The size of the next claim. */
  next(): number {
    const now = this.#now();
    const elapsed = now - this.#since;
    if (elapsed >= SAMPLE_MS) {
      const ahead = Math.ceil((this.#ended / elapsed) * AHEAD_MS);
      this.#size = Math.max(this.#concurrency, Math.min(ahead, MAX_CLAIM));
      this.#ended = 0;
      this.#since = now;
    }
    return this.#size;
  }
}
