import type { Readable } from 'node:stream';
import { parseDuration, type Duration } from '../internal/duration.js';
import type { FleetEvent } from './events.js';
import { validatePolicy, type FailurePolicy } from './policy.js';
import type { AdaptiveLimitOptions } from './target-limit.js';
import { validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of `runOn` and `distribute`; every field is optional, with the default given here. */
export interface FleetOptions {
  /** Most jobs running at once over the whole fleet. Default: 32. */
  readonly concurrency: number;
  /** Most jobs running at once on one member of weight 1 (a member of weight w gets w times as many, at least 1). Default: unlimited. */
  readonly perTarget: number;
  /** Kill an attempt after this long (TERM, then KILL after `killGrace`); it counts as a timeout. Default: none. */
  readonly timeout: Duration | undefined;
  /** How long a killed command gets between SIGTERM and SIGKILL. Default: `'3s'`. */
  readonly killGrace: Duration;
  /** Attempts after the first for a job that fails, times out or cannot reach its target. Default: 0. */
  readonly retries: number;
  /** Delay before the first retry; it doubles for each further one (with jitter, at most 30 s). Default: `'100ms'`. */
  readonly backoff: Duration;
  /** When to stop, and in which batches to run. Default: `{ halt: 'never' }`. */
  readonly policy: FailurePolicy;
  /** Cancels the run: in-flight jobs are killed on every target, the rest skipped. Default: none. */
  readonly signal: AbortSignal | undefined;
  /** Aborting it SIGKILLs the running jobs at once, without waiting for `killGrace` (a second Ctrl-C). Default: none. */
  readonly killNow: AbortSignal | undefined;
  /** Receives every event as it happens; it must not throw. Default: none. */
  readonly onEvent: ((event: FleetEvent) => void) | undefined;
  /** Keep each job's report in `report.jobs`; turn off for unbounded job streams. Default: true. */
  readonly keepJobs: boolean;
  /** Keep each job's stdout/stderr in its report; lines go to `onEvent` either way. Default: true. */
  readonly keepOutput: boolean;
  /**
   * Most bytes kept of a job's stdout, and of its stderr, when `keepOutput` is on; a job that writes more is
   * killed and fails with a MaxBufferError (`errorCode` `MAX_BUFFER`). Default: 16 MiB.
   */
  readonly maxBuffer: number;
  /**
   * Standard input of every job that has none of its own: bytes, or a function that opens a fresh stream of
   * them for each attempt (a spooled file, say). Default: none (end-of-file at once).
   */
  readonly stdin: Buffer | (() => Readable) | undefined;
  /** Least time between two job starts (GNU parallel's `--delay`), retries included. Default: 0. */
  readonly delay: Duration;
  /**
   * Give each member a limit of its own that adapts as its jobs finish (`-j auto`): it shrinks when jobs
   * fail or slow down and grows while they go well, within these bounds and `perTarget`; each change is a
   * `limit` event. `concurrency` still caps the whole fleet. Default: none (fixed limits).
   */
  readonly adaptive: AdaptiveLimitOptions | undefined;
}

/** Options with every default filled in and durations in milliseconds. */
export interface ResolvedFleetOptions extends Omit<
  FleetOptions,
  'timeout' | 'killGrace' | 'backoff' | 'delay' | 'adaptive'
> {
  readonly adaptive: Required<AdaptiveLimitOptions> | undefined;
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  readonly backoffMs: number;
  readonly delayMs: number;
}

const DEFAULTS: FleetOptions = {
  concurrency: 32,
  perTarget: Infinity,
  timeout: undefined,
  killGrace: '3s',
  retries: 0,
  backoff: '100ms',
  policy: { halt: 'never' },
  signal: undefined,
  killNow: undefined,
  onEvent: undefined,
  keepJobs: true,
  keepOutput: true,
  maxBuffer: 16 * 1024 * 1024,
  stdin: undefined,
  delay: 0,
  adaptive: undefined,
};

const KNOWN = Object.keys(DEFAULTS);

/**
 * Checks fleet options once and fills in the defaults; throws a TypeError naming the bad option.
 *
 * @example
 * resolveFleetOptions({ concurrency: 8, timeout: '30s' }).timeoutMs // 30000
 */
export function resolveFleetOptions(options: Partial<FleetOptions> = {}): ResolvedFleetOptions {
  validateOptions(options, 'a fleet run', KNOWN);
  const merged = { ...DEFAULTS, ...options };
  validateInteger(merged.concurrency, 'concurrency', 1, true);
  validateInteger(merged.perTarget, 'perTarget', 1, true);
  validateInteger(merged.retries, 'retries', 0, false);
  validateInteger(merged.maxBuffer, 'maxBuffer', 1, true);
  validateSignal(merged.signal);
  validateSignal(merged.killNow, 'killNow');
  if (merged.onEvent !== undefined) validateFunction(merged.onEvent, 'onEvent');
  validatePolicy(merged.policy);
  if (merged.stdin !== undefined && !Buffer.isBuffer(merged.stdin) && typeof merged.stdin !== 'function') {
    throw new TypeError(
      `Expected \`stdin\` to be a Buffer or a function returning a stream, got \`${String(merged.stdin)}\` (${typeof merged.stdin})`,
    );
  }
  const { timeout, killGrace, backoff, delay, adaptive, ...rest } = merged;
  return {
    ...rest,
    adaptive: adaptive === undefined ? undefined : resolveAdaptive(adaptive, merged.perTarget),
    timeoutMs: timeout === undefined ? undefined : parseDuration(timeout, 'timeout'),
    killGraceMs: parseDuration(killGrace, 'killGrace'),
    backoffMs: parseDuration(backoff, 'backoff'),
    delayMs: parseDuration(delay, 'delay'),
  };
}

function resolveAdaptive(options: AdaptiveLimitOptions, perTarget: number): Required<AdaptiveLimitOptions> {
  validateOptions(options, '`adaptive`', ['initial', 'min', 'max']);
  const min = validateInteger(options.min ?? 1, 'adaptive.min', 1);
  const max = Math.min(validateInteger(options.max ?? 64, 'adaptive.max', min), perTarget);
  const initial = Math.min(validateInteger(options.initial ?? 4, 'adaptive.initial', min), max);
  return { initial, min: Math.min(min, max), max };
}

/**
 * The delay before retry number `attempt` (1-based): `base × 2^(attempt-1)`, capped at 30 s, with ±25% jitter.
 *
 * @example
 * retryDelay(3, 100, () => 0.5) // 400
 */
export function retryDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const plain = Math.min(baseMs * 2 ** (attempt - 1), 30_000);
  return Math.round(plain * (0.75 + random() * 0.5));
}
