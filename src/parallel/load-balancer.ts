import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, linkSignals } from './abort.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { bindWorkers, type Executor, type WorkerFunction } from './worker.js';

/** Options of LoadBalancer. */
export interface LoadBalancerOptions<T, R, W> {
  /** Runs a task on a worker; needed when workers are neither executor functions nor target specs/shells. */
  readonly execute?: Executor<T, R, W>;
  /** Aborts every task. Default: none. */
  readonly signal?: AbortSignal;
}

/** One item of executeMany: its work as `task`, or as a `command` line for shell workers, and its weight. */
export type LoadBalancerItem<T> =
  { readonly task: T; readonly weight?: number } | { readonly command: string; readonly weight?: number };

/**
 * The index of the least-loaded worker, scanning from `start` so that ties go to the next one in turn.
 *
 * @example
 * pickLeastLoaded([2, 0, 0], 2); // 2
 */
export function pickLeastLoaded(loads: readonly number[], start: number): number {
  let best = start % loads.length;
  for (let step = 1; step < loads.length; step++) {
    const index = (start + step) % loads.length;
    if ((loads[index] as number) < (loads[best] as number)) best = index;
  }
  return best;
}

/**
 * Sends each task to the worker with the least outstanding weight (the sum of the weights of its running
 * tasks); ties rotate, so equal load spreads evenly. Workers are as for RoundRobinDistributor.
 *
 * @example
 * const balancer = new LoadBalancer(['ssh://worker1', 'ssh://worker2', 'ssh://worker3']);
 * await balancer.executeMany([
 *   { task: 'light-task', weight: 1 },
 *   { task: 'heavy-task', weight: 5 },
 * ]);
 */
export class LoadBalancer<T = unknown, R = unknown, W = unknown> {
  readonly workers: readonly W[];
  readonly #run: Array<WorkerFunction<T, R>>;
  readonly #loads: number[];
  readonly #signal: AbortSignal | undefined;
  #next = 0;

  constructor(workers: readonly W[], options: LoadBalancerOptions<T, R, W> = {}) {
    const { execute, signal } = validateOptions<LoadBalancerOptions<T, R, W>>(options, 'LoadBalancer', [
      'execute',
      'signal',
    ]);
    this.#run = bindWorkers(workers, execute);
    this.workers = [...workers];
    this.#loads = this.workers.map(() => 0);
    this.#signal = validateSignal(signal);
  }

  /** Outstanding weight per worker, in worker order. */
  get loads(): readonly number[] {
    return [...this.#loads];
  }

  /**
   * Runs `task` on the least-loaded worker, counting `weight` against it until the task settles.
   *
   * @example
   * const { worker, result } = await balancer.execute('reindex', 3);
   */
  execute(
    task: T,
    weight = 1,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<{ worker: W; result: R }> {
    validateInteger(weight, 'weight', 1);
    const signal = validateSignal(options.signal);
    return this.#execute(task, weight, signal);
  }

  async #execute(
    task: T,
    weight: number,
    signal: AbortSignal | undefined,
  ): Promise<{ worker: W; result: R }> {
    if (this.#signal?.aborted) throw abortReason(this.#signal);
    const index = pickLeastLoaded(this.#loads, this.#next);
    this.#next = index + 1;
    this.#loads[index]! += weight;
    const linked = linkSignals(this.#signal, signal);
    try {
      const run = this.#run[index]!;
      const result = await runWithTaskSignal(linked.signal, () => run(task, linked.signal));
      return { worker: this.workers[index] as W, result };
    } finally {
      this.#loads[index]! -= weight;
      linked.dispose();
    }
  }

  /**
   * Runs every item at once, each on the least-loaded worker at its turn; resolves in input order. An item
   * names its work as `task`, or as `command` (a command line, for shell workers): one of the two.
   *
   * @example
   * const outcomes = await balancer.executeMany(jobs.map((job) => ({ task: job, weight: job.size })));
   * await new LoadBalancer(['ssh://w1', 'ssh://w2']).executeMany([{ command: 'make -j4', weight: 4 }]);
   */
  executeMany(items: ReadonlyArray<LoadBalancerItem<T>>): Promise<Array<{ worker: W; result: R }>> {
    if (!Array.isArray(items))
      throw new TypeError(`Expected \`items\` to be an array, got \`${String(items)}\``);
    const tasks = items.map((item: LoadBalancerItem<T>, index) => {
      validateOptions(item, `executeMany items[${index}]`, ['task', 'command', 'weight']);
      if (item.weight !== undefined) validateInteger(item.weight, `items[${index}].weight`, 1);
      if ('task' in item === 'command' in item) {
        throw new TypeError(
          `Expected \`items[${index}]\` to have either \`task\` or \`command\`, not both or neither`,
        );
      }
      return 'task' in item ? item.task : (item.command as T);
    });
    return Promise.all(tasks.map((task, index) => this.execute(task, items[index]!.weight ?? 1)));
  }
}
