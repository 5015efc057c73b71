import { ConcurrencyLimiter } from './limiter.js';
import { runTasks } from './run-tasks.js';
import type { Task } from './task.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of fastFail and failSafe. */
export interface SettleOptions {
  /** Most tasks running at once; `Infinity` allowed. Default: `Infinity`. */
  readonly concurrency?: number;
  /** Aborts every task and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * Checks SettleOptions once and builds the limiter they ask for.
 *
 * @example
 * const { limiter, signal } = normalizeSettleOptions(options, 'fastFail');
 */
export function normalizeSettleOptions(
  options: SettleOptions,
  owner: string,
): { limiter: ConcurrencyLimiter; signal: AbortSignal | undefined } {
  const { concurrency = Infinity, signal } = validateOptions<SettleOptions>(options, owner, [
    'concurrency',
    'signal',
  ]);
  validateInteger(concurrency, 'concurrency', 1, true);
  return { limiter: new ConcurrencyLimiter(concurrency), signal: validateSignal(signal) };
}

/**
 * Runs every task and rejects at the first failure, at once. Every task receives an AbortSignal; it aborts
 * on that failure, killing the `$` commands the other tasks created, and tasks still waiting for a slot
 * never start.
 *
 * @example
 * await fastFail(hosts.map((host) => () => $.ssh(host)`deploy.sh`));
 */
export function fastFail<T>(tasks: ReadonlyArray<Task<T>>, options: SettleOptions = {}): Promise<T[]> {
  return runTasks(tasks, { ...normalizeSettleOptions(options, 'fastFail'), stopOnError: true }).then(
    (outcomes) => outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value),
  );
}

/**
 * Runs every task to its end and returns, in input order, each value or the Error it failed with (a thrown
 * non-Error is wrapped in one, with the original as `cause`).
 *
 * @example
 * const outcomes = await failSafe(tasks);
 * const errors = outcomes.filter((outcome) => outcome instanceof Error);
 */
export function failSafe<T>(
  tasks: ReadonlyArray<Task<T>>,
  options: SettleOptions = {},
): Promise<Array<T | Error>> {
  return runTasks(tasks, { ...normalizeSettleOptions(options, 'failSafe'), stopOnError: false }).then(
    (outcomes) =>
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : toError(outcome.reason))),
  );
}

/**
 * The value as an Error: itself when it is one, else an Error naming it with the value as `cause`.
 *
 * @example
 * toError('boom').message; // 'boom'
 */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
