import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, createAbortError, linkSignals } from './abort.js';
import { ConcurrencyLimiter } from './limiter.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { bindWorkers, type Executor, type WorkerFunction } from './worker.js';

/** Options of RoundRobinDistributor. */
export interface DistributorOptions<T, R, W> {
  /** Runs a task on a worker; needed when workers are neither executor functions nor target specs/shells. */
  readonly execute?: Executor<T, R, W>;
  /** Most tasks running at once on each worker; `Infinity` allowed. Default: `Infinity`. */
  readonly concurrency?: number;
  /** Aborts every task and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * Which worker each task goes to, round robin from worker `start`: a pure plan.
 *
 * @example
 * assignRoundRobin(5, 3, 0); // [0, 1, 2, 0, 1]
 */
export function assignRoundRobin(taskCount: number, workerCount: number, start = 0): number[] {
  return Array.from({ length: taskCount }, (_, task) => (start + task) % workerCount);
}

/**
 * Deals tasks to workers in turn and runs them; the turn carries over from one `distribute` call to the
 * next. Workers are target specs (`'ssh://web1'`), shells (`$.ssh('web1')`), executor functions
 * `(task, signal) => …`, or any values with an `execute` option. With a shell worker a string task is run
 * as the command line it is; a function task gets the shell: `(sh) => sh\`deploy ${version}\``.
 * The first failure rejects `distribute` and aborts the other tasks' signal.
 *
 * @example
 * const distributor = new RoundRobinDistributor(['ssh://server1', 'ssh://server2', 'ssh://server3']);
 * const perWorker = await distributor.distribute(['task1', 'task2', 'task3', 'task4', 'task5']);
 */
export class RoundRobinDistributor<T = unknown, R = unknown, W = unknown> {
  readonly workers: readonly W[];
  readonly #run: Array<WorkerFunction<T, R>>;
  readonly #concurrency: number;
  readonly #signal: AbortSignal | undefined;
  #next = 0;

  constructor(workers: readonly W[], options: DistributorOptions<T, R, W> = {}) {
    const {
      execute,
      concurrency = Infinity,
      signal,
    } = validateOptions<DistributorOptions<T, R, W>>(options, 'RoundRobinDistributor', [
      'execute',
      'concurrency',
      'signal',
    ]);
    this.#run = bindWorkers(workers, execute);
    this.workers = [...workers];
    this.#concurrency = validateInteger(concurrency, 'concurrency', 1, true);
    this.#signal = validateSignal(signal);
  }

  /**
   * Runs the tasks, dealt round robin, and resolves with each worker's results in the order it got them.
   *
   * @example
   * for (const { worker, results } of await distributor.distribute(tasks)) console.log(worker, results.length);
   */
  distribute(tasks: readonly T[]): Promise<Array<{ worker: W; results: R[] }>> {
    if (!Array.isArray(tasks))
      throw new TypeError(`Expected \`tasks\` to be an array, got \`${String(tasks)}\``);
    return this.#distribute(tasks);
  }

  async #distribute(tasks: readonly T[]): Promise<Array<{ worker: W; results: R[] }>> {
    if (this.#signal?.aborted) throw abortReason(this.#signal);
    const plan = assignRoundRobin(tasks.length, this.workers.length, this.#next);
    this.#next = (this.#next + tasks.length) % this.workers.length;
    const linked = linkSignals(this.#signal);
    const limiters = this.workers.map(() => new ConcurrencyLimiter(this.#concurrency));
    const perWorker = this.workers.map((worker) => ({ worker, results: [] as R[] }));
    const aborted = new Promise<never>((_, reject) => {
      linked.signal.addEventListener('abort', () => reject(abortReason(linked.signal)), { once: true });
    });
    const running = tasks.map((task, index) => {
      const at = plan[index] as number;
      const slot = perWorker[at]!.results.length;
      perWorker[at]!.results.push(undefined as R);
      return (limiters[at] as ConcurrencyLimiter)
        .run(() => runWithTaskSignal(linked.signal, () => this.#run[at]!(task, linked.signal)), {
          signal: linked.signal,
        })
        .then((result) => {
          perWorker[at]!.results[slot] = result;
        });
    });
    try {
      await Promise.race([Promise.all(running), aborted]);
      return perWorker;
    } catch (error) {
      if (!linked.signal.aborted) linked.controller.abort(createAbortError('A distributed task failed'));
      throw error;
    } finally {
      aborted.catch(() => undefined);
      linked.dispose();
    }
  }
}
