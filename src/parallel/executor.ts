import { ConcurrencyLimiter } from './limiter.js';
import { normalizeRetryOptions, retryWith, type RetryOptions } from './retry.js';
import { runTasks, validateTasks } from './run-tasks.js';
import { toError } from './settle.js';
import type { Task } from './task.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of ParallelExecutor. */
export interface ParallelExecutorOptions {
  /** Most tasks running at once; `Infinity` allowed. Default: `Infinity`. */
  readonly concurrency?: number;
  /** Aborts every task and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/** What executeWithErrors returns: the values that came, and each failure with its task's index. */
export interface PartialResults<T> {
  readonly successes: T[];
  readonly failures: Array<{ readonly index: number; readonly error: Error }>;
}

/**
 * Runs batches of tasks with partial-failure handling and retries. Tasks are functions; each is called
 * once per attempt with an AbortSignal.
 *
 * @example
 * const executor = new ParallelExecutor({ concurrency: 8 });
 * const { successes, failures } = await executor.executeWithErrors(tasks);
 * for (const { index, error } of failures) console.error(`Task ${index}: ${error.message}`);
 */
export class ParallelExecutor {
  readonly #concurrency: number;
  readonly #signal: AbortSignal | undefined;

  constructor(options: ParallelExecutorOptions = {}) {
    const { concurrency = Infinity, signal } = validateOptions<ParallelExecutorOptions>(
      options,
      'ParallelExecutor',
      ['concurrency', 'signal'],
    );
    this.#concurrency = validateInteger(concurrency, 'concurrency', 1, true);
    this.#signal = validateSignal(signal);
  }

  /**
   * Runs every task to its end; successes keep input order, failures carry their task's index.
   *
   * @example
   * const { failures } = await new ParallelExecutor().executeWithErrors([() => ok(), () => fail()]);
   */
  executeWithErrors<T>(tasks: ReadonlyArray<Task<T>>): Promise<PartialResults<T>> {
    return runTasks(tasks, this.#runOptions(false)).then((outcomes) => sortOutcomes(outcomes));
  }

  /**
   * Runs every task, retrying each failure with exponential backoff and jitter, and resolves with the
   * values in input order. When a task runs out of retries the whole call rejects with its last error at
   * once, and the other tasks' signal aborts (their pending retries are dropped).
   *
   * @example
   * await executor.executeWithRetry(tasks, { retries: 5, minDelay: 200, shouldRetry: ({ error }) => isTransient(error) });
   */
  executeWithRetry<T>(tasks: ReadonlyArray<Task<T>>, options: number | RetryOptions = 3): Promise<T[]> {
    const schedule = normalizeRetryOptions(options);
    validateTasks(tasks);
    const withRetry = tasks.map((task) => (signal: AbortSignal) => retryWith(task, schedule, signal));
    const signals = [this.#signal, schedule.signal].filter((signal) => signal !== undefined);
    return runTasks(withRetry, {
      ...this.#runOptions(true),
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    }).then((outcomes) => outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value));
  }

  #runOptions(stopOnError: boolean) {
    return { limiter: new ConcurrencyLimiter(this.#concurrency), signal: this.#signal, stopOnError };
  }
}

function sortOutcomes<T>(outcomes: ReadonlyArray<PromiseSettledResult<T>>): PartialResults<T> {
  const successes: T[] = [];
  const failures: Array<{ index: number; error: Error }> = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') successes.push(outcome.value);
    else failures.push({ index, error: toError(outcome.reason) });
  });
  return { successes, failures };
}
