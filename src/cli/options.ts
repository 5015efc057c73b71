import { existsSync } from 'node:fs';
import { parseBatches, parseDuration, parseHalt, type FailurePolicy, type FleetOptions } from '../index.js';
import type { CliFlags } from './flags.js';
import { parseTagstring, type TagFill } from './tagstring.js';
import { usageError } from './usage.js';

export type OutputMode = 'tag' | 'group' | 'collapse' | 'json';
export type ProgressMode = 'bar' | 'plain' | 'none';

/** The flags of a run, checked and converted once. */
export interface RunSettings {
  readonly inventory: string | undefined;
  readonly fleet: Partial<FleetOptions>;
  readonly output: OutputMode;
  /** Pass control characters of job output to a terminal unchanged. */
  readonly rawOutput: boolean;
  readonly progress: ProgressMode;
  readonly joblog: string | undefined;
  readonly resume: 'resume' | 'resume-failed' | undefined;
  readonly dryRun: boolean;
  /** `--stdin`: every job gets fanout's stdin. */
  readonly stdin: boolean;
  /** `--results DIR`. */
  readonly results: string | undefined;
  /** `-k`: output in input order. */
  readonly keepOrder: boolean;
  /** `--tagstring`: the label of each job's output, from its target, number and arguments. */
  readonly tag: ((fill: TagFill) => string) | undefined;
}

function integer(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min) {
    throw usageError(flag, `expected an integer from ${min} and up, got \`${raw}\``);
  }
  return value;
}

function duration(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // A bare number is seconds, as in GNU parallel.
  const text = /^\d+(\.\d+)?$/.test(raw.trim()) ? `${raw.trim()}s` : raw;
  try {
    const ms = parseDuration(text, flag);
    if (ms <= 0) throw new TypeError('zero');
    return ms;
  } catch (error) {
    if (error instanceof RangeError)
      throw usageError(flag, `expected at most 8760h (one year), got \`${raw}\``);
    throw usageError(flag, `expected seconds or a duration such as '500ms', '30s', '2m', got \`${raw}\``);
  }
}

function parsed<T>(flag: string, raw: string | undefined, parse: (text: string) => T): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return parse(raw);
  } catch (error) {
    throw usageError(flag, (error as Error).message);
  }
}

/** The inventory to read: `-i FILE`, else `./fanout.yaml` when it exists, else none. */
export function inventoryPath(flags: CliFlags): string | undefined {
  if (flags.inventory !== undefined) return flags.inventory;
  return existsSync('fanout.yaml') ? 'fanout.yaml' : undefined;
}

/**
 * Checks the flags of `run` and `jobs`; a bad value is a USAGE error naming the flag.
 *
 * @example
 * resolveSettings({ concurrency: '8', halt: 'now,fail=1' }, false).fleet.concurrency // 8
 */
export function resolveSettings(flags: CliFlags, stderrIsTty: boolean): RunSettings {
  const halt = parsed('--halt', flags.halt, parseHalt);
  const batches = parsed('--batches', flags.batches, parseBatches);
  const policy: FailurePolicy = { ...(halt ?? { halt: 'never' }), ...(batches ? { batches } : {}) };
  if (flags.resume && flags.resumeFailed)
    throw usageError('--resume', 'give --resume or --resume-failed, not both');
  const resume = flags.resume ? 'resume' : flags.resumeFailed ? 'resume-failed' : undefined;
  if (resume && flags.joblog === undefined) throw usageError(`--${resume}`, 'needs --joblog FILE to read');
  // `-j auto`: each target gets a limit of its own that adapts to how its jobs go.
  const auto = flags.concurrency?.trim() === 'auto';
  const concurrency = auto ? undefined : integer('--concurrency', flags.concurrency, 1);
  const perTarget = integer('--per-target', flags.perTarget, 1);
  const timeout = duration('--timeout', flags.timeout);
  const retries = integer('--retries', flags.retries, 0);
  const delay = duration('--delay', flags.delay);
  const progressFlag = flags.progress ?? 'auto';
  const progress: ProgressMode =
    progressFlag === 'auto'
      ? stderrIsTty && process.env.TERM !== 'dumb'
        ? 'bar'
        : 'plain'
      : (progressFlag as ProgressMode);
  return {
    inventory: inventoryPath(flags),
    fleet: {
      policy,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(auto ? { adaptive: {} } : {}),
      ...(perTarget === undefined ? {} : { perTarget }),
      ...(timeout === undefined ? {} : { timeout }),
      ...(retries === undefined ? {} : { retries }),
      ...(delay === undefined ? {} : { delay }),
    },
    output: (flags.output ?? 'tag') as OutputMode,
    rawOutput: flags.rawOutput ?? false,
    progress,
    joblog: flags.joblog,
    resume,
    dryRun: flags.dryRun ?? false,
    stdin: flags.stdin ?? false,
    results: flags.results,
    keepOrder: flags.keepOrder ?? false,
    tag: flags.tagstring === undefined ? undefined : parseTagstring(flags.tagstring),
  };
}
