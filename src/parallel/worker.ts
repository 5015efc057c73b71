/**
 * Workers for the distributors. The generic classes run a task on a worker through an executor function;
 * turning other kinds of worker (a target spec such as `'ssh://web1'`, a shell) into one is the shell
 * layer's job, which registers a resolver here when `fanout` is loaded. `fanout/parallel` alone takes
 * executor functions, or any worker values with an `execute` option.
 */

/** Runs a task on a worker it is bound to. */
export type WorkerFunction<T, R> = (task: T, signal: AbortSignal) => R | PromiseLike<R>;

/** Runs a task on the given worker. */
export type Executor<T, R, W> = (task: T, worker: W, signal: AbortSignal) => R | PromiseLike<R>;

/** Turns a worker the toolkit does not know into a WorkerFunction, or returns undefined. */
export type WorkerResolver = (worker: unknown) => WorkerFunction<unknown, unknown> | undefined;

let resolver: WorkerResolver | undefined;

/**
 * Installs the resolver for workers that are not functions. Called by the shell layer; not public API.
 *
 * @example
 * registerWorkerResolver((worker) => (typeof worker === 'string' ? toShellExecutor(worker) : undefined));
 */
export function registerWorkerResolver(next: WorkerResolver): void {
  resolver = next;
}

/**
 * Binds every worker to a WorkerFunction, once: through `execute` when given, else through the registered
 * resolver (target specs, shells), else as the executor function it is.
 *
 * @example
 * const run = bindWorkers(['a', 'b'], (task, worker) => `${worker}:${task}`);
 */
export function bindWorkers<T, R, W>(
  workers: readonly W[],
  execute: Executor<T, R, W> | undefined,
): Array<WorkerFunction<T, R>> {
  if (!Array.isArray(workers) || workers.length === 0) {
    throw new TypeError(
      `Expected \`workers\` to be a non-empty array, got \`${String(workers)}\` (${typeof workers})`,
    );
  }
  if (execute !== undefined && typeof execute !== 'function') {
    throw new TypeError(
      `Expected \`execute\` to be a function, got \`${String(execute)}\` (${typeof execute})`,
    );
  }
  return workers.map((worker, index) => {
    if (execute) return (task: T, signal: AbortSignal) => execute(task, worker, signal);
    const resolved = resolver?.(worker) as WorkerFunction<T, R> | undefined;
    if (resolved) return resolved;
    if (typeof worker === 'function') return worker as unknown as WorkerFunction<T, R>;
    throw new TypeError(
      `Expected \`workers[${index}]\` to be an executor function, a target spec or a shell, got \`${String(worker)}\` (${typeof worker}); ` +
        'without the shell layer, pass `execute`',
    );
  });
}
