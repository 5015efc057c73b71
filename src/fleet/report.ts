import type { ErrorCode } from '../errors.js';

/**
 * How far a job got: it ran to an exit (`run`), could not reach its target (`connect`), was killed by its
 * timeout (`timeout`), was killed by a halt or the caller's signal (`canceled`), or never started (`skipped`).
 */
export type JobStage = 'run' | 'connect' | 'timeout' | 'canceled' | 'skipped';

/**
 * Everything known about one job once it is finished for good.
 *
 * @example
 * for (const job of report.jobs) if (!job.ok) console.log(job.target, job.seq, job.stage, job.exitCode);
 */
export interface JobReport {
  readonly seq: number;
  readonly command: string;
  readonly args: readonly string[];
  /** The member its last attempt ran on; undefined when it never started. */
  readonly target: string | undefined;
  readonly stage: JobStage;
  /** True for stage `run` with exit code 0 and no signal. */
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Attempts made, 0 when skipped. */
  readonly attempts: number;
  /** When its last attempt started (ms since the epoch), 0 when skipped. */
  readonly startedAt: number;
  /** How long its last attempt took. */
  readonly durationMs: number;
  /** Bytes of output (stdout + stderr) of its last attempt. */
  readonly outputBytes: number;
  /** Output of its last attempt, when `keepOutput` is on; else empty. */
  readonly stdout: string;
  readonly stderr: string;
  /** Why it could not run, for `connect` failures and start errors, or why its output was lost. */
  readonly error: string | undefined;
  /** The code of that error (`CONNECTION_LOST`, `SPAWN_FAILED`, `MAX_BUFFER` …), for branching on. */
  readonly errorCode: ErrorCode | undefined;
}

/** Tallies of a run; a job is counted once, under its final stage. */
export interface FleetCounts {
  readonly total: number;
  readonly ok: number;
  /** Ran and exited non-zero or was killed by a signal. */
  readonly failed: number;
  readonly timeout: number;
  readonly unreachable: number;
  readonly canceled: number;
  readonly skipped: number;
  /** Attempts that were retried. */
  readonly retries: number;
}

/**
 * What `runOn` and `distribute` resolve with: every job (unless `keepJobs` is off), the tallies, and whether
 * and why the run halted.
 *
 * @example
 * const report = await runOn(targets, 'uptime');
 * if (report.counts.ok < report.counts.total) process.exitCode = 1;
 */
export interface FleetReport {
  /** Every job in the order they finished; empty when `keepJobs` is off. */
  readonly jobs: readonly JobReport[];
  readonly counts: FleetCounts;
  /** Set when the run stopped early. */
  readonly halted: { readonly mode: 'soon' | 'now'; readonly reason: 'threshold' | 'aborted' } | undefined;
  readonly durationMs: number;
}

/** A job's failure kind, or undefined when it succeeded or did not finish on its own. */
export function failureKind(
  job: Pick<JobReport, 'stage' | 'ok'>,
): 'failed' | 'timeout' | 'unreachable' | undefined {
  if (job.stage === 'run') return job.ok ? undefined : 'failed';
  if (job.stage === 'timeout') return 'timeout';
  if (job.stage === 'connect') return 'unreachable';
  return undefined;
}

/** Running tallies, updated as jobs finish. */
export class Tally {
  total = 0;
  ok = 0;
  failed = 0;
  timeout = 0;
  unreachable = 0;
  canceled = 0;
  skipped = 0;
  retries = 0;

  add(job: JobReport): void {
    this.total += 1;
    if (job.ok) this.ok += 1;
    else if (job.stage === 'canceled') this.canceled += 1;
    else if (job.stage === 'skipped') this.skipped += 1;
    else this[failureKind(job) ?? 'failed'] += 1;
  }

  snapshot(): FleetCounts {
    const { total, ok, failed, timeout, unreachable, canceled, skipped, retries } = this;
    return { total, ok, failed, timeout, unreachable, canceled, skipped, retries };
  }
}
