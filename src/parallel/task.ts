/**
 * A unit of work for the toolkit: a function that starts the work when called, and should stop it when
 * `signal` aborts (pass it on: `` (signal) => $`make`.signal(signal) ``).
 */
export type Task<T> = (signal: AbortSignal) => T | PromiseLike<T>;
