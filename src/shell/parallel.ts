import { CommandError } from '../errors.js';
import { createAbortError, linkSignals } from '../parallel/abort.js';
import { startTask } from '../parallel/limiter-calls.js';
import { ConcurrencyLimiter } from '../parallel/limiter.js';
import { parallelMap } from '../parallel/map.js';
import { ProgressTracker, type ProgressEvent } from '../parallel/progress.js';
import { runTasks } from '../parallel/run-tasks.js';
import type { Task } from '../parallel/task.js';
import { validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { localTarget } from '../targets/local.js';
import { ProcessPromise } from './process-promise.js';
import { ProcessResult } from './result.js';
import { createShell } from './shell.js';
import { runKillable, runWithSignal } from './workers.js';

/** A command for `$.parallel`: a (lazy) ProcessPromise, a command line run as it is, or a function making one. */
export type ParallelCommand =
  | ProcessPromise
  | string
  | ((signal: AbortSignal) => ProcessPromise | PromiseLike<ProcessResult> | ProcessResult);

/** Options of `$.parallel.all`, `settled` and `map`. */
export interface ParallelOptions {
  /** Most commands running at once; lazy ProcessPromises wait unstarted. Default: `Infinity`. */
  readonly maxConcurrent?: number;
  /** `settled` only: at the first failure, kill the running commands and start no more. Default: false. */
  readonly stopOnError?: boolean;
  /** Called as each command finishes, with the counts so far. Default: none. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Kills the running commands and rejects with the signal's reason. Default: none. */
  readonly signal?: AbortSignal;
}

/** One failed command of `$.parallel.settled`. */
export interface ParallelFailure {
  readonly index: number;
  /** The command line, when known. */
  readonly command: string | undefined;
  /** A CommandError (with every result field) for a command that ran and ended badly; else what was thrown. */
  readonly error: Error;
}

/** What `$.parallel.settled` resolves with. */
export interface SettledCommands {
  /** Per command, in input order: its ProcessResult (even a failed one, under `.nothrow()`), or its error. */
  readonly results: Array<ProcessResult | Error>;
  /** The results whose `ok` is true. */
  readonly succeeded: ProcessResult[];
  /** Every command that failed, a non-zero exit under `.nothrow()` included. */
  readonly failed: ParallelFailure[];
  readonly durationMs: number;
}

const KNOWN = ['maxConcurrent', 'stopOnError', 'onProgress', 'signal'];
const localShell = createShell(localTarget);

function normalize(options: ParallelOptions, owner: string) {
  const {
    maxConcurrent = Infinity,
    stopOnError = false,
    onProgress,
    signal,
  } = validateOptions<ParallelOptions>(options, owner, KNOWN);
  validateInteger(maxConcurrent, 'maxConcurrent', 1, true);
  if (onProgress !== undefined) validateFunction(onProgress, 'onProgress');
  if (typeof stopOnError !== 'boolean')
    throw new TypeError(`Expected \`stopOnError\` to be a boolean, got \`${String(stopOnError)}\``);
  return { maxConcurrent, stopOnError, onProgress, signal: validateSignal(signal) };
}

/** Turns a command into a task that starts it only when called, and kills it when the signal aborts. */
function toTask(command: ParallelCommand, index: number): Task<ProcessResult> {
  if (command instanceof ProcessPromise) return (signal) => runKillable(command, signal);
  if (typeof command === 'string') {
    // Created now, so it takes the caller's within() options; it stays lazy until its turn.
    const created = localShell.run(command);
    return (signal) => runKillable(created, signal);
  }
  if (typeof command === 'function') return (signal) => runWithSignal(signal, () => command(signal));
  throw new TypeError(
    `Expected \`commands[${index}]\` to be a ProcessPromise, a command line or a function, got \`${String(command)}\` (${typeof command})`,
  );
}

function toTasks(commands: readonly ParallelCommand[]): Array<Task<ProcessResult>> {
  if (!Array.isArray(commands))
    throw new TypeError(`Expected \`commands\` to be an array, got \`${String(commands)}\``);
  return commands.map(toTask);
}

function commandLine(command: ParallelCommand, error: unknown): string | undefined {
  if (error instanceof CommandError) return error.command;
  if (command instanceof ProcessPromise) return command.command;
  return typeof command === 'string' ? command : undefined;
}

/**
 * Runs every command, at most `maxConcurrent` at once, and resolves with their results in input order.
 * The first failure rejects at once: running commands are killed (process group) and no more start.
 *
 * @example
 * const [a, b] = await $.parallel.all([$`make -C a`, $`make -C b`], { maxConcurrent: 2 });
 */
function all(commands: readonly ParallelCommand[], options: ParallelOptions = {}): Promise<ProcessResult[]> {
  const { maxConcurrent, onProgress, signal } = normalize(options, '$.parallel.all');
  const tasks = toTasks(commands);
  const tracker = onProgress ? new ProgressTracker(tasks.length, { onProgress }) : undefined;
  return runTasks(tasks, {
    limiter: new ConcurrencyLimiter(maxConcurrent),
    signal,
    stopOnError: true,
    onStart: () => tracker?.started(),
    onSettle: (_, outcome) =>
      tracker?.finished(outcome.status === 'fulfilled' && (outcome.value as ProcessResult).ok),
  }).then((outcomes) => outcomes.map((outcome) => (outcome as PromiseFulfilledResult<ProcessResult>).value));
}

/**
 * Runs every command to its end (or, with `stopOnError`, until the first failure, killing the rest) and
 * sorts the outcomes. A non-zero exit counts as failed even under `.nothrow()`.
 *
 * @example
 * const { succeeded, failed } = await $.parallel.settled(hosts.map((h) => $.ssh(h)`uptime`), { maxConcurrent: 8 });
 */
function settled(
  commands: readonly ParallelCommand[],
  options: ParallelOptions = {},
): Promise<SettledCommands> {
  return settleAll(commands, toTasks(commands), normalize(options, '$.parallel.settled'));
}

async function settleAll(
  commands: readonly ParallelCommand[],
  tasks: Array<Task<ProcessResult>>,
  { maxConcurrent, stopOnError, onProgress, signal }: ReturnType<typeof normalize>,
): Promise<SettledCommands> {
  const startedAt = performance.now();
  const tracker = onProgress ? new ProgressTracker(tasks.length, { onProgress }) : undefined;
  const results = new Array<ProcessResult | Error>(tasks.length);
  const succeeded: ProcessResult[] = [];
  const failed: ParallelFailure[] = [];
  // Stopping early aborts the running commands; those not started yet then fail without starting.
  const stop = new AbortController();
  const strict = tasks.map((task, index) => async (taskSignal: AbortSignal) => {
    const result = await task(AbortSignal.any([taskSignal, stop.signal]));
    results[index] = result;
    if (result instanceof ProcessResult && !result.ok) throw new CommandError(result);
    return result;
  });
  const outcomes = await runTasks(strict, {
    limiter: new ConcurrencyLimiter(maxConcurrent),
    signal,
    stopOnError: false,
    onStart: () => tracker?.started(),
    onSettle: (_, outcome) => {
      tracker?.finished(outcome.status === 'fulfilled');
      if (outcome.status === 'rejected' && stopOnError && !stop.signal.aborted) {
        stop.abort(createAbortError('Stopped after a command failed'));
      }
    },
  });
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      succeeded.push(outcome.value);
      return;
    }
    const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
    results[index] ??= error;
    failed.push({ index, command: commandLine(commands[index] as ParallelCommand, error), error });
  });
  return { results, succeeded, failed, durationMs: performance.now() - startedAt };
}

/**
 * Runs every command at once and settles as the first one to finish does (success or failure); the others
 * are killed.
 *
 * @example
 * const fastest = await $.parallel.race([$.ssh('ssh://mirror1')`fetch`, $.ssh('ssh://mirror2')`fetch`]);
 */
function race(
  commands: readonly ParallelCommand[],
  options: { readonly signal?: AbortSignal } = {},
): Promise<ProcessResult> {
  const tasks = toTasks(commands);
  if (tasks.length === 0) throw new TypeError('Expected `commands` to hold at least one command to race');
  const { signal } = validateOptions<{ signal?: AbortSignal }>(options, '$.parallel.race', ['signal']);
  return raceTasks(tasks, validateSignal(signal));
}

async function raceTasks(tasks: Array<Task<ProcessResult>>, signal: AbortSignal | undefined) {
  const linked = linkSignals(signal);
  const running = tasks.map((task) => startTask(() => task(linked.signal)) as Promise<ProcessResult>);
  for (const command of running) command.catch(() => undefined);
  try {
    return await Promise.race(running);
  } finally {
    linked.controller.abort();
    linked.dispose();
  }
}

/**
 * Maps items to commands (or any async work) with at most `maxConcurrent` at once; results keep input
 * order. Every `$` command created in `fn` is killed when the map stops early (a failure, or the signal).
 *
 * @example
 * const contents = await $.parallel.map(files, (file) => $`cat ${file}`.text(), { maxConcurrent: 3 });
 */
function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>,
  options: Omit<ParallelOptions, 'stopOnError'> = {},
): Promise<Awaited<R>[]> {
  const { maxConcurrent, onProgress, signal } = normalize(options, '$.parallel.map');
  validateFunction(fn, 'fn');
  if (onProgress && !Array.isArray(items))
    throw new TypeError('Expected `items` to be an array when `onProgress` is given');
  const tracker = onProgress ? new ProgressTracker((items as T[]).length, { onProgress }) : undefined;
  return parallelMap(
    items,
    async (item: T, index: number, mapSignal: AbortSignal) => {
      tracker?.started();
      try {
        const value = await runWithSignal(mapSignal, () => fn(item, index, mapSignal));
        tracker?.finished(!(value instanceof ProcessResult) || value.ok);
        return value as Awaited<R>;
      } catch (error) {
        tracker?.finished(false);
        throw error;
      }
    },
    { concurrency: maxConcurrent, signal },
  );
}

/**
 * `$.parallel`: run many commands at once, limited, with progress, and with the losers or the rest killed
 * when the outcome is decided.
 *
 * @example
 * const { failed } = await $.parallel.settled(['make a', 'make b'], { maxConcurrent: 2, onProgress: console.log });
 */
export const parallel = { all, settled, race, map };
