/** What happens once the failure threshold is reached: run everything, stop starting jobs, or kill them all. */
export type HaltMode = 'never' | 'soon' | 'now';

/** The kinds of failure a policy can count; each is counted and reported separately. */
export type FailureKind = 'failed' | 'timeout' | 'unreachable';

/** A batch size: a number of jobs, or a percentage of all jobs (`'25%'`). */
export type BatchSize = number | `${number}%`;

/**
 * A failure policy as data, after GNU parallel's `--halt` and Ansible's `serial` / `max_fail_percentage`.
 *
 * @example
 * const policy: FailurePolicy = { halt: 'soon', threshold: '10%', batches: [1, 5, '25%'] };
 */
export interface FailurePolicy {
  /** Default: `'never'` (run every job whatever fails). */
  readonly halt: HaltMode;
  /** Failures that trigger the halt: a count (`3`) or a percentage of all jobs (`'10%'`). Default: `1`. */
  readonly threshold?: number | `${number}%`;
  /** Which failures count towards the threshold. Default: all three kinds. */
  readonly counts?: readonly FailureKind[];
  /**
   * Rolling batches: each batch finishes, and is checked against the threshold, before the next starts; the
   * last size repeats. Default: none (one batch of everything).
   */
  readonly batches?: readonly BatchSize[];
}

/** The tallies a threshold is checked against. */
export interface FailureTally {
  readonly failed: number;
  readonly timeout: number;
  readonly unreachable: number;
  /** Jobs started so far. */
  readonly started: number;
  /** All jobs, when known in advance. */
  readonly total: number | undefined;
}

const ALL_KINDS: readonly FailureKind[] = ['failed', 'timeout', 'unreachable'];

function parsePercent(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value);
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent > 0 && percent <= 100)) {
    throw new TypeError(
      `Expected \`${name}\` to be a percentage from 0% (exclusive) to 100%, got \`${value}\``,
    );
  }
  return percent;
}

function validateSize(value: unknown, name: string): void {
  if (typeof value === 'string') parsePercent(value, name);
  else if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
    throw new TypeError(
      `Expected \`${name}\` to be an integer from 1 and up or a percentage such as '10%', got \`${String(value)}\` (${typeof value})`,
    );
  }
}

/**
 * Checks a policy once, where the caller gives it; throws a TypeError naming the bad field.
 *
 * @example
 * validatePolicy({ halt: 'now', threshold: '5%' });
 */
export function validatePolicy(policy: FailurePolicy): FailurePolicy {
  if (!['never', 'soon', 'now'].includes(policy.halt)) {
    throw new TypeError(
      `Expected \`policy.halt\` to be 'never', 'soon' or 'now', got \`${String(policy.halt)}\``,
    );
  }
  if (policy.threshold !== undefined) validateSize(policy.threshold, 'policy.threshold');
  for (const kind of policy.counts ?? []) {
    if (!ALL_KINDS.includes(kind)) {
      throw new TypeError(
        `Expected \`policy.counts\` to hold 'failed', 'timeout' or 'unreachable', got \`${kind}\``,
      );
    }
  }
  if (policy.batches !== undefined) {
    if (!Array.isArray(policy.batches) || policy.batches.length === 0) {
      throw new TypeError('Expected `policy.batches` to be a non-empty array of sizes');
    }
    policy.batches.forEach((size, index) => validateSize(size, `policy.batches[${index}]`));
  }
  return policy;
}

/**
 * True once the counted failures reach the policy's threshold. A percentage is of all jobs when their number
 * is known, else of the jobs started so far.
 *
 * @example
 * isThresholdReached({ halt: 'now', threshold: '50%' }, { failed: 2, timeout: 0, unreachable: 0, started: 4, total: 4 }) // true
 */
export function isThresholdReached(policy: FailurePolicy, tally: FailureTally): boolean {
  if (policy.halt === 'never') return false;
  const counted = (policy.counts ?? ALL_KINDS).reduce((sum, kind) => sum + tally[kind], 0);
  if (counted === 0) return false;
  const threshold = policy.threshold ?? 1;
  if (typeof threshold === 'number') return counted >= threshold;
  const base = tally.total ?? tally.started;
  return counted * 100 >= parsePercent(threshold, 'policy.threshold') * base;
}

/**
 * The size of each rolling batch in turn, for `total` jobs (percentages round up, at least 1; the last size
 * repeats until every job has a batch).
 *
 * @example
 * [...batchSizes([1, '50%'], 5)] // [1, 3, 1]
 */
export function* batchSizes(batches: readonly BatchSize[], total: number | undefined): Generator<number> {
  let remaining = total ?? Infinity;
  let index = 0;
  while (remaining > 0) {
    const spec = batches[Math.min(index, batches.length - 1)]!;
    let size: number;
    if (typeof spec === 'number') size = spec;
    else if (total === undefined) throw new TypeError('A percentage batch size needs the number of jobs');
    else size = Math.max(1, Math.ceil((parsePercent(spec, 'batch') * total) / 100));
    size = Math.min(size, remaining);
    yield size;
    remaining -= size;
    index += 1;
  }
}

/**
 * Parses GNU parallel's `--halt` syntax: `never`, `soon`, `now`, optionally followed by `,fail=N` or
 * `,fail=N%` (default `fail=1`).
 *
 * @example
 * parseHalt('now,fail=10%') // { halt: 'now', threshold: '10%' }
 */
export function parseHalt(text: string): FailurePolicy {
  const match = /^(never|soon|now)(?:,fail=(\d+(?:\.\d+)?%?))?$/.exec(text.trim());
  if (!match) throw new TypeError(`Expected now|soon|never[,fail=N|N%], got \`${text}\``);
  const halt = match[1] as HaltMode;
  const raw = match[2];
  if (raw === undefined) return { halt };
  const threshold = raw.endsWith('%') ? (raw as `${number}%`) : Number(raw);
  return validatePolicy({ halt, threshold });
}

/**
 * Parses a comma-separated list of batch sizes: `1,5,25%`.
 *
 * @example
 * parseBatches('1,5,25%') // [1, 5, '25%']
 */
export function parseBatches(text: string): BatchSize[] {
  const sizes = text.split(',').map((part): BatchSize => {
    const trimmed = part.trim();
    return trimmed.endsWith('%') ? (trimmed as `${number}%`) : Number(trimmed);
  });
  validatePolicy({ halt: 'never', batches: sizes });
  return sizes;
}
