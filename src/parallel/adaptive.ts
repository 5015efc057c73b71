import { runWithTaskSignal } from '../internal/task-signal.js';
import { AimdLimit, GradientLimit, type LimitAlgorithm, type LimitBounds } from './adaptive-limit.js';
import { ConcurrencyLimiter } from './limiter.js';
import { runTasks, validateTasks, valuesOrAggregate } from './run-tasks.js';
import type { Task } from './task.js';
import {
  validateFunction,
  validateInteger,
  validateNumber,
  validateOptions,
  validateSignal,
} from '../internal/validate.js';

/** Options of DynamicConcurrency. */
export interface DynamicConcurrencyOptions {
  /** Starting limit. Default: 5. */
  readonly initial?: number;
  /** The limit never drops below this. Default: 1. */
  readonly min?: number;
  /** The limit never rises above this. Default: 10. */
  readonly max?: number;
  /** `'aimd'`: +1 per success, back off per failure. `'latency'`: grow while latency stays near its floor. Default: `'aimd'`. */
  readonly mode?: 'aimd' | 'latency';
  /** Multiplier applied to the limit on a failure (at least one step down), 0–1. Default: 0.9. */
  readonly backoffRatio?: number;
  /** Latency mode: latency up to this multiple of its floor counts as near it. Default: 1.5. */
  readonly latencyTolerance?: number;
  /** `execute` rejects at the first failure (queued tasks never start) instead of after all settle. Default: false. */
  readonly stopOnError?: boolean;
  /** Called whenever the whole-number limit changes. Default: none. */
  readonly onLimitChange?: (change: { readonly limit: number; readonly previous: number }) => void;
  /** Clock for latencies, in ms. Default: `performance.now`. */
  readonly now?: () => number;
}

const KNOWN = [
  'initial',
  'min',
  'max',
  'mode',
  'backoffRatio',
  'latencyTolerance',
  'stopOnError',
  'onLimitChange',
  'now',
];

/**
 * Runs tasks under a limit that adapts as they finish: AIMD on success and failure, or latency-aware. The
 * limit always stays within [min, max]. `execute` settles every task, then rejects with an AggregateError of
 * the failures (input order) if any failed; with `stopOnError` it rejects at the first failure instead.
 *
 * @example
 * const dynamic = new DynamicConcurrency({ initial: 4, min: 1, max: 32, mode: 'latency' });
 * const results = await dynamic.execute(hosts.map((host) => (signal) => $.ssh(host)`uptime`.signal(signal)));
 * console.log(dynamic.limit);
 */
export class DynamicConcurrency {
  readonly #algorithm: LimitAlgorithm;
  readonly #limiter: ConcurrencyLimiter;
  readonly #stopOnError: boolean;
  readonly #onLimitChange: DynamicConcurrencyOptions['onLimitChange'];
  readonly #now: () => number;

  /** A bare number is the initial limit: `new DynamicConcurrency(5)` is `{ initial: 5 }`. */
  constructor(options: number | DynamicConcurrencyOptions = {}) {
    const given =
      typeof options === 'number'
        ? { initial: options }
        : validateOptions<DynamicConcurrencyOptions>(options, 'DynamicConcurrency', KNOWN);
    const { initial = 5, min = 1, max = Math.max(10, given.initial ?? 5), mode = 'aimd' } = given;
    const { backoffRatio = 0.9, latencyTolerance = 1.5, stopOnError = false, onLimitChange } = given;
    validateInteger(min, 'min', 1);
    validateInteger(max, 'max', min);
    validateInteger(initial, 'initial', min);
    if (initial > max)
      throw new TypeError(`Expected \`initial\` to be at most \`max\` (${max}), got \`${initial}\` (number)`);
    if (mode !== 'aimd' && mode !== 'latency') {
      throw new TypeError(
        `Expected \`mode\` to be 'aimd' or 'latency', got \`${String(mode)}\` (${typeof mode})`,
      );
    }
    const bounds: LimitBounds = {
      initial,
      min,
      max,
      backoffRatio: validateNumber(backoffRatio, 'backoffRatio', 0, 1),
      latencyTolerance: validateNumber(latencyTolerance, 'latencyTolerance', 1),
    };
    if (onLimitChange !== undefined) validateFunction(onLimitChange, 'onLimitChange');
    this.#now = given.now ?? (() => performance.now());
    validateFunction(this.#now, 'now');
    this.#algorithm = mode === 'aimd' ? new AimdLimit(bounds) : new GradientLimit(bounds);
    this.#limiter = new ConcurrencyLimiter(initial);
    this.#stopOnError = stopOnError === true;
    this.#onLimitChange = onLimitChange;
  }

  /** The current limit: tasks allowed to run at once. */
  get limit(): number {
    return this.#limiter.concurrency;
  }

  /** Tasks running now. */
  get activeCount(): number {
    return this.#limiter.activeCount;
  }

  /**
   * Runs one task under the limit and feeds its outcome and latency back into it.
   *
   * @example
   * const text = await dynamic.run((signal) => $`curl -s ${url}`.signal(signal).text());
   */
  run<T>(task: Task<T>, options: { readonly signal?: AbortSignal } = {}): Promise<T> {
    validateFunction(task, 'task');
    const signal = validateSignal(options.signal) ?? new AbortController().signal;
    return this.#limiter.run(() => this.#measure(task, signal), { signal });
  }

  /**
   * Runs every task under the adapting limit and resolves with their values in input order.
   *
   * @example
   * const results = await dynamic.execute(tasks, { signal });
   */
  execute<T>(tasks: ReadonlyArray<Task<T>>, options: { readonly signal?: AbortSignal } = {}): Promise<T[]> {
    validateTasks(tasks);
    return runTasks(
      tasks.map((task) => (signal: AbortSignal) => this.#measure(task, signal)),
      { limiter: this.#limiter, signal: validateSignal(options.signal), stopOnError: this.#stopOnError },
    ).then(valuesOrAggregate);
  }

  async #measure<T>(task: Task<T>, signal: AbortSignal): Promise<T> {
    const startedAt = this.#now();
    const inflight = this.#limiter.activeCount;
    try {
      const value = await runWithTaskSignal(signal, () => task(signal));
      this.#update({ ok: true, latencyMs: this.#now() - startedAt, inflight });
      return value;
    } catch (error) {
      if (!signal.aborted) this.#update({ ok: false, latencyMs: this.#now() - startedAt, inflight });
      throw error;
    }
  }

  #update(sample: { ok: boolean; latencyMs: number; inflight: number }): void {
    const previous = this.#limiter.concurrency;
    const limit = Math.floor(this.#algorithm.update(sample));
    if (limit === previous) return;
    this.#limiter.concurrency = limit;
    this.#onLimitChange?.({ limit, previous });
  }
}
