import type pg from 'pg';
import { completeAttempts, type AttemptResult } from './attempts.js';
import { persist } from './connect.js';
import { applyHaltPolicy } from './halt.js';
import { openBatches, settleRuns } from './runs.js';

const BATCH = 500;
/**
 * How long a result waits for others to share its write, five round trips (begin, lock, write, commit,
 * settle): 160 jobs/s of `sleep 0.05` on -j 8 took 0.55 writes per job with a 5 ms wait, 0.23 with 50 ms.
 * A halt, a rolling batch or a follower sees a result up to this much later.
 */
const LINGER_MS = 50;

/**
 * Writes attempt results back in batches (one transaction each), one batch at a time, waiting out server
 * restarts with the results kept in memory; then applies the halt policy of runs that had failures, opens
 * the next rolling batch where one has ended, and ends the runs that are finished.
 */
export class ResultWriter {
  readonly #pool: pg.Pool;
  readonly #onError: (error: unknown) => void;
  #pending: AttemptResult[] = [];
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(pool: pg.Pool, onError: (error: unknown) => void) {
    this.#pool = pool;
    this.#onError = onError;
  }

  add(result: AttemptResult): void {
    this.#pending.push(result);
    if (this.#pending.length >= BATCH) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), LINGER_MS);
  }

  /** Resolves once every result added so far is written. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      this.#kick();
      await this.#flushing;
    }
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = this.#flush()
      .catch(this.#onError)
      .finally(() => {
        this.#flushing = undefined;
        if (this.#pending.length > 0) this.#kick();
      });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.slice(0, BATCH);
      const { runs, failedRuns, batchedRuns } = await persist(() => completeAttempts(this.#pool, batch));
      this.#pending.splice(0, batch.length);
      for (const runId of failedRuns) await persist(() => applyHaltPolicy(this.#pool, runId));
      if (batchedRuns.length > 0) await persist(() => openBatches(this.#pool, batchedRuns));
      await persist(() => settleRuns(this.#pool, runs));
    }
  }
}
