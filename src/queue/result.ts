import { createHash } from 'node:crypto';
import type { JobReport } from '../fleet/report.js';
import { redactSecrets } from '../internal/secrets.js';
import { failureKind } from '../fleet/report.js';
import type { AttemptResult, ClaimedJob } from './attempts.js';
import type { CapturedOutput } from './capture.js';

/** Text that PostgreSQL can store: NUL becomes U+FFFD, and this worker's secrets (`--env` values) `***`. */
function storable(text: string): string {
  return redactSecrets(text).replaceAll('\0', '\uFFFD');
}

/**
 * The record of one attempt from the fleet's report of it and what the worker kept of its output (see
 * OutputCapture): stdout and stderr up to the run's cap (`truncated` says when more came), the total
 * output size, and the sha256 of stdout.
 *
 * @example
 * const result = attemptResult(claimed, report, capture.take(report.seq));
 */
export function attemptResult(job: ClaimedJob, report: JobReport, output: CapturedOutput): AttemptResult {
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
    sha256: output.sha256,
    stdout: storable(output.stdout),
    stderr: storable(output.stderr),
    truncated: output.truncated,
    error: report.error === undefined ? null : redactSecrets(report.error),
    errorCode: report.errorCode ?? null,
    command: report.command === job.command ? null : storable(report.command),
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
    command: null,
  };
}
