import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, createAbortError, linkSignals } from './abort.js';
import { startTask } from './limiter-calls.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { Task } from './task.js';
import { validateFunction } from '../internal/validate.js';

/** How runTasks schedules and reports. */
export interface RunTasksOptions {
  /** Where the tasks wait for a slot. */
  readonly limiter: ConcurrencyLimiter;
  /** Rejects everything with the signal's reason when it aborts. */
  readonly signal: AbortSignal | undefined;
  /** Reject at the first failure, abort the running tasks' signal and start no more; else settle all. */
  readonly stopOnError: boolean;
  readonly onStart?: (index: number) => void;
  readonly onSettle?: (index: number, outcome: PromiseSettledResult<unknown>) => void;
}

/**
 * Runs tasks through a limiter and resolves with each outcome in input order. Every task gets one shared
 * AbortSignal that aborts when the run stops early (the caller's signal, or the first failure under
 * `stopOnError`); tasks still waiting then never start.
 *
 * @example
 * const outcomes = await runTasks(tasks, { limiter: new ConcurrencyLimiter(4), signal, stopOnError: false });
 */
export function runTasks<T>(
  tasks: ReadonlyArray<Task<T>>,
  options: RunTasksOptions,
): Promise<Array<PromiseSettledResult<T>>> {
  validateTasks(tasks);
  const { limiter, signal, stopOnError, onStart, onSettle } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const outcomes = new Array<PromiseSettledResult<T>>(tasks.length);
  if (tasks.length === 0) return Promise.resolve(outcomes);
  const linked = linkSignals(signal);
  return new Promise((resolve, reject) => {
    let remaining = tasks.length;
    let done = false;
    const stop = (error: unknown): void => {
      if (done) return;
      done = true;
      linked.signal.removeEventListener('abort', onAbort);
      linked.controller.abort(createAbortError('Stopped after a task failed'));
      linked.dispose();
      reject(error);
    };
    const onAbort = (): void => stop(abortReason(linked.signal));
    linked.signal.addEventListener('abort', onAbort, { once: true });
    const settle = (index: number, outcome: PromiseSettledResult<T>): void => {
      if (done) return;
      outcomes[index] = outcome;
      onSettle?.(index, outcome);
      if (outcome.status === 'rejected' && stopOnError) return stop(outcome.reason);
      if (--remaining === 0) {
        done = true;
        linked.signal.removeEventListener('abort', onAbort);
        linked.dispose();
        resolve(outcomes);
      }
    };
    tasks.forEach((task, index) => {
      // The outcome is recorded inside the limiter's slot, before it is freed: a failure under stopOnError
      // aborts the waiting tasks before the freed slot could start one of them.
      const start = (): Promise<void> => {
        onStart?.(index);
        return startTask(() => runWithTaskSignal(linked.signal, () => task(linked.signal))).then(
          (value) => settle(index, { status: 'fulfilled', value: value as T }),
          (reason: unknown) => settle(index, { status: 'rejected', reason }),
        );
      };
      limiter.run(start, { signal: linked.signal }).catch((reason: unknown) => {
        settle(index, { status: 'rejected', reason });
      });
    });
  });
}

/**
 * Checks that `tasks` is an array of functions, so a bad task fails the call before anything starts.
 *
 * @example
 * validateTasks([() => 1, (signal) => work(signal)]);
 */
export function validateTasks(tasks: unknown): void {
  if (!Array.isArray(tasks))
    throw new TypeError(`Expected \`tasks\` to be an array, got \`${String(tasks)}\` (${typeof tasks})`);
  tasks.forEach((task, index) => validateFunction(task, `tasks[${index}]`));
}

/**
 * The values of settled tasks in input order, or an AggregateError of every failure (input order).
 *
 * @example
 * const values = valuesOrAggregate(await runTasks(tasks, options));
 */
export function valuesOrAggregate<T>(outcomes: ReadonlyArray<PromiseSettledResult<T>>): T[] {
  const errors = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
  if (errors.length > 0)
    throw new AggregateError(errors, `${errors.length} of ${outcomes.length} tasks failed`);
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
