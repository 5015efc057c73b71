import { registerWorkerResolver, type WorkerFunction } from '../parallel/worker.js';
import { resolveTarget } from '../targets/resolve.js';
import { scopedOptions, within } from './options.js';
import { ProcessPromise } from './process-promise.js';
import type { ProcessResult } from './result.js';
import { createShell, type Shell } from './shell.js';

/** A task for a shell worker: a command line run as it is, or a function given the worker's shell. */
export type ShellTask<R = unknown> = string | ((shell: Shell, signal: AbortSignal) => R | PromiseLike<R>);

/**
 * True for a shell made by createShell (`$`, `$.ssh(…)` …): a function with a target and a `run` method.
 *
 * @example
 * isShell($.ssh('ssh://web1')); // true
 */
export function isShell(value: unknown): value is Shell {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<Shell>).run === 'function' &&
    typeof (value as Partial<Shell>).target === 'object'
  );
}

/**
 * Runs `fn` so that every `$` command it creates is also cancelled by `signal` (on top of any signal of
 * the enclosing `within()`). A ProcessPromise it returns is started and killed when `signal` aborts, even
 * one created elsewhere.
 *
 * @example
 * await runWithSignal(signal, () => $`sleep 100`); // killed when signal aborts
 */
export function runWithSignal<R>(signal: AbortSignal, fn: () => R): R | Promise<ProcessResult> {
  const outer = scopedOptions()?.signal;
  const result = within({ signal: outer ? AbortSignal.any([outer, signal]) : signal }, fn);
  return result instanceof ProcessPromise ? runKillable(result, signal) : result;
}

/**
 * Starts `command` and kills it (its whole process group) if `signal` aborts before it ends. An already
 * aborted signal rejects with its reason without starting the command.
 *
 * @example
 * const result = await runKillable($`make`, signal);
 */
export function runKillable(command: ProcessPromise, signal: AbortSignal): Promise<ProcessResult> {
  if (signal.aborted && !command.started) return Promise.reject(signal.reason);
  let running = true;
  const onAbort = (): void => {
    if (!running) return;
    try {
      command.kill('SIGTERM');
    } catch {
      // It never spawned: nothing to kill.
    }
  };
  const done = (): void => {
    running = false;
    signal.removeEventListener('abort', onAbort);
  };
  const outcome = command.then(
    (result) => {
      done();
      return result;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  );
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return outcome;
}

/**
 * Makes a distributor worker from a target spec (`'ssh://web1'`, `'local'`) or a shell. A string task runs
 * as the command line it is (like `$.raw`); a function task gets the shell, for safe interpolation:
 * `(sh) => sh\`deploy ${version}\``. Either is killed when the task's signal aborts.
 *
 * @example
 * const run = createShellWorker('ssh://deploy@web1');
 * await run('uptime', new AbortController().signal);
 */
export function createShellWorker(worker: string | Shell): WorkerFunction<ShellTask, unknown> {
  const shell = typeof worker === 'string' ? createShell(resolveTarget(worker)) : worker;
  return (task, signal) => {
    if (typeof task === 'string') return runWithSignal(signal, () => shell.run(task));
    if (typeof task === 'function') return runWithSignal(signal, () => task(shell, signal));
    throw new TypeError(
      `Expected a task to be a command line or a function, got \`${String(task)}\` (${typeof task})`,
    );
  };
}

registerWorkerResolver((worker) =>
  typeof worker === 'string' || isShell(worker)
    ? (createShellWorker(worker) as WorkerFunction<unknown, unknown>)
    : undefined,
);
