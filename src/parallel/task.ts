/**
 * A unit of work for the toolkit: a function that starts the work when called. When the toolkit aborts the
 * task, `signal` aborts and every `$` command the task created is killed, passed the signal or not; other
 * work (a `fetch`, a timer) stops only if the task gives it `signal`.
 */
export type Task<T> = (signal: AbortSignal) => T | PromiseLike<T>;
