import { createHash } from 'node:crypto';
import type { JobReport } from '../fleet/report.js';
import { redactSecrets } from '../internal/secrets.js';
import { failureKind } from '../fleet/report.js';
import type { AttemptResult, ClaimedJob } from './attempts.js';

/**
 * Text that PostgreSQL can store: NUL becomes U+FFFD, and this worker's secrets (`--env` values) `***`
 * (the sha256 is of the bytes as they came).
 */
function storable(bytes: Buffer, cap: number): string {
  return redactSecrets(bytes.subarray(0, cap).toString('utf8')).replaceAll('\0', '\uFFFD');
}

/**
 * The record of one attempt from the fleet's report of it: stdout and stderr up to `cap` bytes each
 * (`truncated` says when more came), the total output size, and the sha256 of stdout.
 *
 * @example
 * const result = attemptResult(claimed, report, 65536);
 */
export function attemptResult(job: ClaimedJob, report: JobReport, cap: number): AttemptResult {
  const stdout = Buffer.from(report.stdout, 'utf8');
  const stderr = Buffer.from(report.stderr, 'utf8');
  const truncated =
    stdout.length > cap || stderr.length > cap || report.outputBytes > stdout.length + stderr.length;
  return {
    attemptId: job.attemptId,
    runId: job.runId,
    seq: job.seq,
    attempt: job.attempt,
    target: report.target ?? null,
    stage: report.stage,
    ok: report.ok,
    outcome: report.ok ? 'ok' : (failureKind(report) ?? (report.stage as 'canceled' | 'skipped')),
    exitCode: report.exitCode,
    signal: report.signal,
    startedAt: report.startedAt === 0 ? null : report.startedAt,
    durationMs: report.durationMs,
    outputBytes: report.outputBytes,
    sha256: createHash('sha256').update(stdout).digest('hex'),
    stdout: storable(stdout, cap),
    stderr: storable(stderr, cap),
    truncated,
    error: report.error === undefined ? null : redactSecrets(report.error),
    errorCode: report.errorCode ?? null,
  };
}

/** The record of a claimed job the worker gives back without starting it. */
export function releasedResult(job: ClaimedJob): AttemptResult {
  return {
    attemptId: job.attemptId,
    runId: job.runId,
    seq: job.seq,
    attempt: job.attempt,
    target: null,
    stage: 'skipped',
    ok: false,
    outcome: 'skipped',
    exitCode: null,
    signal: null,
    startedAt: null,
    durationMs: 0,
    outputBytes: 0,
    sha256: createHash('sha256').digest('hex'),
    stdout: '',
    stderr: '',
    truncated: false,
    error: null,
    errorCode: null,
  };
}
