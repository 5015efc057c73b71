import { randomInt } from 'node:crypto';
import type { FailurePolicy } from '../fleet/policy.js';
import { validatePolicy } from '../fleet/policy.js';
import { parseDuration, type Duration } from '../internal/duration.js';
import { validateInteger, validateNumber, validateOptions } from '../internal/validate.js';

/** What a run asks of every worker, as a caller gives it; every field but `template` is optional. */
export interface RunSpec {
  /** The command template the jobs were built from (shown by `status` and `results`). */
  readonly template: string;
  /** Kill an attempt after this long. Default: none. */
  readonly timeout?: Duration | undefined;
  /** Between SIGTERM and SIGKILL when an attempt is killed. Default: '3s'. */
  readonly killGrace?: Duration;
  /** Attempts after the first for a job that fails, times out or cannot reach its target. Default: 0. */
  readonly retries?: number;
  /** Delay before a failed job is claimable again, doubling per retry, at most 30 s. Default: '100ms'. */
  readonly backoff?: Duration;
  /**
   * The halt policy, applied to the whole run. With `batches`, the jobs of a batch become claimable once
   * every job before them has ended and the threshold was not reached. Default: `{ halt: 'never' }`.
   */
  readonly policy?: FailurePolicy;
  /**
   * Bytes of stdout and of stderr kept per attempt, at most {@link MAX_OUTPUT_CAP}; the rest is dropped
   * and the attempt marked `truncated`. Default: 64 KiB.
   */
  readonly outputCap?: number;
  /**
   * A number (from {@link createSlotMarker}) that stands for `{%}` in the jobs' commands: the worker that
   * runs a job puts its slot there (1 up to its -j). Default: none.
   */
  readonly slotMarker?: number | undefined;
}

/** A run's spec with every default filled in and durations in milliseconds, as stored. */
export interface ResolvedRunSpec {
  readonly template: string;
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly policy: FailurePolicy;
  readonly outputCap: number;
  readonly slotMarker: number | undefined;
}

const KNOWN = ['template', 'timeout', 'killGrace', 'retries', 'backoff', 'policy', 'outputCap', 'slotMarker'];

/**
 * The largest `outputCap`, 256 MiB: what a worker keeps of a stream is one string, which must fit in
 * Node's string length limit (512 MiB) and in a PostgreSQL text value (1 GB).
 */
export const MAX_OUTPUT_CAP = 256 * 1024 * 1024;

/** The least slot marker: long enough that no argument holds it by chance. */
const MIN_MARKER = 10 ** 15;

/**
 * A random 16-digit number to build a queued run's commands with in place of `{%}` (see `slotMarker`).
 *
 * @example
 * const marker = createSlotMarker(); // 1000174220315731, say
 */
export function createSlotMarker(): number {
  return MIN_MARKER + randomInt(2 ** 48 - 1);
}

/**
 * Checks a run's spec once and fills in the defaults; throws a TypeError naming the bad field.
 *
 * @example
 * normalizeRunSpec({ template: 'gzip {}', timeout: '5m' }).timeoutMs // 300000
 */
export function normalizeRunSpec(spec: RunSpec): ResolvedRunSpec {
  validateOptions(spec, 'a queued run', KNOWN);
  if (typeof spec.template !== 'string') {
    throw new TypeError(`Expected \`template\` to be a string, got \`${String(spec.template)}\``);
  }
  const policy = validatePolicy(spec.policy ?? { halt: 'never' });
  return {
    template: spec.template,
    timeoutMs: spec.timeout === undefined ? undefined : parseDuration(spec.timeout, 'timeout'),
    killGraceMs: parseDuration(spec.killGrace ?? '3s', 'killGrace'),
    retries: validateInteger(spec.retries ?? 0, 'retries', 0),
    backoffMs: parseDuration(spec.backoff ?? '100ms', 'backoff'),
    policy,
    outputCap: validateInteger(
      validateNumber(spec.outputCap ?? 64 * 1024, 'outputCap', 1, MAX_OUTPUT_CAP),
      'outputCap',
      1,
    ),
    slotMarker:
      spec.slotMarker === undefined ? undefined : validateInteger(spec.slotMarker, 'slotMarker', MIN_MARKER),
  };
}
