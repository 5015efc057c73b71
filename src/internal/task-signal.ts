import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The AbortSignal of the toolkit task running now, carried through async calls so that work a task
 * creates (a `$` command) is cancelled with the task even when the task does not pass its signal on.
 * Neutral ground: `parallel` sets it, `shell` reads it, and neither imports the other.
 */

/** A task's signal and the signal of the task it runs inside, if any. */
interface Scope {
  readonly signal: AbortSignal;
  readonly outer: Scope | undefined;
}

const storage = new AsyncLocalStorage<Scope>();

/**
 * Whether anything reads task signals. An AsyncLocalStorage in use slows every promise of the process, so
 * tasks carry none until a reader (the shell, when it loads) asks for them: `fanout/parallel` alone pays
 * nothing.
 */
let read = false;

/**
 * Makes runWithTaskSignal carry signals from now on; called once by the layer that reads them.
 *
 * @example
 * enableTaskSignals(); // at the top of the module that calls currentTaskSignals()
 */
export function enableTaskSignals(): void {
  read = true;
}

/**
 * Runs `fn` as a task cancelled by `signal`: work it creates, however deep and after any `await`, sees
 * `signal` (and the signals of enclosing tasks) in currentTaskSignals().
 *
 * @example
 * runWithTaskSignal(controller.signal, () => $`sleep 100`); // killed when controller aborts
 */
export function runWithTaskSignal<T>(signal: AbortSignal, fn: () => T): T {
  if (!read) return fn();
  const outer = storage.getStore();
  if (outer?.signal === signal) return fn();
  return storage.run({ signal, outer }, fn);
}

/**
 * The signals of the enclosing tasks, innermost first; empty outside any task.
 *
 * @example
 * const signals = currentTaskSignals();
 */
export function currentTaskSignals(): AbortSignal[] {
  const signals: AbortSignal[] = [];
  for (let scope = storage.getStore(); scope; scope = scope.outer) signals.push(scope.signal);
  return signals;
}
