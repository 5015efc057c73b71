import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, delay } from './abort.js';
import type { Task } from './task.js';
import {
  validateFunction,
  validateInteger,
  validateNumber,
  validateOptions,
  validateSignal,
} from '../internal/validate.js';

/** What shouldRetry is told about a failure. */
export interface RetryContext {
  readonly error: unknown;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly retriesLeft: number;
}

/** Options of retry; a bare number is `{ retries }`. */
export interface RetryOptions {
  /** Attempts after the first. Default: 3. */
  readonly retries?: number;
  /** Delay before the first retry, in ms. Default: 1000. */
  readonly minDelay?: number;
  /** Longest delay, in ms. Default: 30000, or minDelay when that is longer. */
  readonly maxDelay?: number;
  /** Growth of the delay per retry. Default: 2. */
  readonly factor?: number;
  /**
   * Share of each delay drawn at random, 0–1: a delay lies in [base × (1 − jitter), base]; `false` is 0 and
   * `true` the default. Default: 0.5.
   */
  readonly jitter?: number | boolean;
  /** Return false to give up at once on this error. Default: retry every error. */
  readonly shouldRetry?: (context: RetryContext) => boolean | PromiseLike<boolean>;
  /** Stops retrying (and aborts the task's own signal). Default: none. */
  readonly signal?: AbortSignal;
}

/** RetryOptions after checking, with every default filled in. */
export type RetrySchedule = Required<Omit<RetryOptions, 'signal' | 'shouldRetry' | 'jitter'>> & {
  readonly jitter: number;
} & Pick<RetryOptions, 'signal' | 'shouldRetry'>;

const DEFAULT_JITTER = 0.5;

const KNOWN = ['retries', 'minDelay', 'maxDelay', 'factor', 'jitter', 'shouldRetry', 'signal'];

/**
 * Checks retry options once and fills in the defaults.
 *
 * @example
 * normalizeRetryOptions(5).retries; // 5
 */
export function normalizeRetryOptions(options: number | RetryOptions = {}): RetrySchedule {
  const given =
    typeof options === 'number'
      ? { retries: options }
      : validateOptions<RetryOptions>(options, 'retry', KNOWN);
  const { retries = 3, minDelay = 1000, factor = 2, shouldRetry, signal } = given;
  const jitter =
    given.jitter === true || given.jitter === undefined
      ? DEFAULT_JITTER
      : given.jitter === false
        ? 0
        : given.jitter;
  const { maxDelay = Math.max(30_000, minDelay) } = given;
  validateInteger(retries, 'retries', 0, true);
  validateNumber(minDelay, 'minDelay', 0);
  validateNumber(maxDelay, 'maxDelay', minDelay);
  validateNumber(factor, 'factor', 1);
  validateNumber(jitter, 'jitter', 0, 1);
  if (shouldRetry !== undefined) validateFunction(shouldRetry, 'shouldRetry');
  return { retries, minDelay, maxDelay, factor, jitter, shouldRetry, signal: validateSignal(signal) };
}

/**
 * The delay before retry number `retry` (from 1): exponential from minDelay, capped at maxDelay, with the
 * jittered share drawn from `random`. Pure, for tests and for schedules shown to users.
 *
 * @example
 * computeBackoff(3, { minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0 }); // 400
 */
export function computeBackoff(
  retry: number,
  schedule: Pick<RetrySchedule, 'minDelay' | 'maxDelay' | 'factor' | 'jitter'>,
  random: () => number = Math.random,
): number {
  const base = Math.min(schedule.maxDelay, schedule.minDelay * schedule.factor ** (retry - 1));
  return base * (1 - schedule.jitter * random());
}

/**
 * Runs `task` until it succeeds, retrying failures with exponential backoff and jitter. Gives up with the
 * last error when retries run out or `shouldRetry` says no, and with the signal's reason when it aborts
 * (waits between attempts end at once).
 *
 * @example
 * const body = await retry((signal) => fetch(url, { signal }).then((r) => r.text()), { retries: 5, minDelay: 200 });
 */
export function retry<T>(task: Task<T>, options: number | RetryOptions = {}): Promise<T> {
  validateFunction(task, 'task');
  return retryWith(task, normalizeRetryOptions(options));
}

/**
 * retry() with options already checked, for callers that run many tasks under one schedule.
 *
 * @example
 * const schedule = normalizeRetryOptions(options);
 * await Promise.all(tasks.map((task) => retryWith(task, schedule)));
 */
export async function retryWith<T>(
  task: Task<T>,
  schedule: RetrySchedule,
  signal = schedule.signal,
): Promise<T> {
  const ownSignal = signal ?? new AbortController().signal;
  for (let attempt = 1; ; attempt++) {
    if (ownSignal.aborted) throw abortReason(ownSignal);
    try {
      return await runWithTaskSignal(ownSignal, () => task(ownSignal));
    } catch (error) {
      if (ownSignal.aborted) throw abortReason(ownSignal);
      const retriesLeft = schedule.retries - attempt + 1;
      if (retriesLeft <= 0) throw error;
      if (schedule.shouldRetry && !(await schedule.shouldRetry({ error, attempt, retriesLeft }))) throw error;
      await delay(computeBackoff(attempt, schedule), ownSignal);
    }
  }
}
