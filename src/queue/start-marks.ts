import type pg from 'pg';

/** How long a start waits for others to share its write. */
const LINGER_MS = 50;

/**
 * Marks claimed attempts as started, a few at a time in one statement, so that `status` tells the jobs a
 * worker runs from those it claimed ahead. Best effort: a mark that cannot be written (the server is
 * restarting) is dropped, and the attempt's result sets its start time anyway.
 *
 * @example
 * const marks = new StartMarks(pool);
 * marks.add(job.attemptId);
 */
export class StartMarks {
  readonly #pool: pg.Pool;
  #pending: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  add(attemptId: number): void {
    this.#pending.push(attemptId);
    this.#timer ??= setTimeout(() => this.#write(), LINGER_MS);
  }

  /** Resolves once the marks added so far are written or dropped. */
  async drain(): Promise<void> {
    clearTimeout(this.#timer);
    this.#write();
    await this.#writing;
  }

  #write(): void {
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const ids = this.#pending.splice(0);
    const previous = this.#writing ?? Promise.resolve();
    this.#writing = previous.then(() =>
      this.#pool
        .query(
          `UPDATE fanout.attempts SET started_at = now()
            WHERE id = ANY($1::bigint[]) AND state = 'running' AND started_at IS NULL`,
          [ids],
        )
        .then(
          () => {},
          () => {},
        ),
    );
  }
}
