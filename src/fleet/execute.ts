import { CommandError, FanoutError, MaxBufferError } from '../errors.js';
import { LineSplitter } from '../internal/lines.js';
import { runCommand } from '../shell/run.js';
import type { FleetJob } from './job.js';
import type { FleetTarget } from './members.js';
import type { JobStage } from './report.js';

/** Error codes that mean the target, not the command, failed: the job's outcome is unknown. */
const UNREACHABLE = new Set([
  'CONNECTION_FAILED',
  'CONNECTION_LOST',
  'CONNECT_TIMEOUT',
  'AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_MISMATCH',
  'TARGET_NOT_FOUND',
  'TARGET_UNAVAILABLE',
]);

/** True when an error says the target cannot be reached (so the job may run elsewhere). */
export function isUnreachable(error: unknown): boolean {
  return error instanceof FanoutError && UNREACHABLE.has(error.code);
}

/** How one attempt ended. */
export interface AttemptOutcome {
  readonly stage: Exclude<JobStage, 'skipped'>;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outputBytes: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the attempt could not run or lost output: the target's error, or a MaxBufferError. */
  readonly error: FanoutError | Error | undefined;
}

/** What one attempt needs. */
export interface AttemptRequest {
  readonly job: FleetJob;
  readonly member: FleetTarget;
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  /** Aborting it kills the attempt (stage `canceled`). */
  readonly signal: AbortSignal;
  /** Aborting it SIGKILLs the attempt at once (a second Ctrl-C). */
  readonly killNow?: AbortSignal | undefined;
  readonly keepOutput: boolean;
  /** Most bytes kept of each stream when `keepOutput` is on; more kills the attempt with a MaxBufferError. */
  readonly maxBuffer: number;
  /** `cut`: the line was longer than the line cap, and this piece of it goes on in the next line. */
  readonly onLine: ((stream: 'stdout' | 'stderr', line: string, cut: boolean) => void) | undefined;
}

function splitLines(emit: ((line: string, cut: boolean) => void) | undefined): {
  push: ((chunk: Buffer) => void) | undefined;
  end: () => void;
} {
  if (!emit) return { push: undefined, end: () => {} };
  const splitter = new LineSplitter();
  const emitAll = (lines: string[]): void => {
    const cuts = splitter.cutIndexes;
    lines.forEach((line, index) => emit(line, cuts.includes(index)));
  };
  return {
    push: (chunk) => emitAll(splitter.push(chunk)),
    end: () => emitAll(splitter.end()),
  };
}

/**
 * Runs one attempt of a job on a member through the shell's core, streaming its lines, and never rejects:
 * a target that cannot be reached, a timeout and a cancellation are all outcomes.
 *
 * @example
 * const outcome = await runAttempt({ job, member, timeoutMs: 5000, killGraceMs: 3000, signal, keepOutput: true, maxBuffer: 1 << 24, onLine: undefined });
 */
export async function runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const { job, member, onLine } = request;
  const stdout = splitLines(onLine && ((line, cut) => onLine('stdout', line, cut)));
  const stderr = splitLines(onLine && ((line, cut) => onLine('stderr', line, cut)));
  const run = runCommand({
    target: job.around ? job.around(member.target) : member.target,
    command: job.command,
    cwd: undefined,
    env: member.env ?? {},
    stdin: typeof job.stdin === 'function' ? job.stdin() : job.stdin,
    timeoutMs: request.timeoutMs,
    killGraceMs: request.killGraceMs,
    signal: request.signal,
    keepOutput: request.keepOutput,
    maxBuffer: request.maxBuffer,
    onStdout: stdout.push,
    onStderr: stderr.push,
  });
  const onKillNow = (): void => run.kill('SIGKILL');
  if (request.killNow?.aborted) onKillNow();
  request.killNow?.addEventListener('abort', onKillNow, { once: true });
  const outcome = await run.outcome;
  request.killNow?.removeEventListener('abort', onKillNow);
  stdout.end();
  stderr.end();
  const { result, error } = outcome;
  // A non-zero exit, a signal or a timeout is told by the stage and the status, not as an error.
  const failure = error instanceof CommandError && !(error instanceof MaxBufferError) ? undefined : error;
  const stage: AttemptOutcome['stage'] = outcome.aborted
    ? 'canceled'
    : outcome.timedOut
      ? 'timeout'
      : failure && isUnreachable(failure)
        ? 'connect'
        : 'run';
  return {
    stage,
    exitCode: result?.exitCode ?? null,
    signal: result?.signal ?? null,
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
    outputBytes: outcome.outputBytes,
    stdout: outcome.stdout.toString('utf8'),
    stderr: outcome.stderr.toString('utf8'),
    error: failure,
  };
}
