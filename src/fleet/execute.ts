import { FanoutError } from '../errors.js';
import { LineSplitter } from '../shell/output.js';
import type { ExitStatus, RunningCommand } from '../targets/target.js';
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

const MAX_KEPT = 16 * 1024 * 1024;

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
  readonly error: Error | undefined;
}

/** What one attempt needs. */
export interface AttemptRequest {
  readonly job: FleetJob;
  readonly member: FleetTarget;
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  /** Aborting it kills the attempt (stage `canceled`). */
  readonly signal: AbortSignal;
  readonly keepOutput: boolean;
  readonly onLine: ((stream: 'stdout' | 'stderr', line: string) => void) | undefined;
}

/** Collects one stream: splits it into lines for `onLine`, keeps its text when asked, counts its bytes. */
class StreamSink {
  bytes = 0;
  readonly #chunks: Buffer[] = [];
  readonly #splitter: LineSplitter | undefined;

  constructor(
    private readonly keep: boolean,
    private readonly emit: ((line: string) => void) | undefined,
  ) {
    this.#splitter = emit ? new LineSplitter() : undefined;
  }

  push(chunk: Buffer): void {
    if (this.keep && this.bytes + chunk.length <= MAX_KEPT) this.#chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.#splitter) for (const line of this.#splitter.push(chunk)) this.emit!(line);
  }

  end(): string {
    if (this.#splitter) for (const line of this.#splitter.end()) this.emit!(line);
    return this.keep ? Buffer.concat(this.#chunks).toString('utf8') : '';
  }
}

/**
 * Runs one attempt of a job on a member, streaming its lines, and never rejects: a target that cannot be
 * reached, a timeout and a cancellation are all outcomes.
 *
 * @example
 * const outcome = await runAttempt({ job, member, timeoutMs: 5000, killGraceMs: 3000, signal, keepOutput: true, onLine: undefined });
 */
export async function runAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const { job, member, signal, onLine } = request;
  const stdout = new StreamSink(request.keepOutput, onLine && ((line) => onLine('stdout', line)));
  const stderr = new StreamSink(request.keepOutput, onLine && ((line) => onLine('stderr', line)));
  const startedAt = Date.now();
  const clock = performance.now();
  let timedOut = false;
  let canceled = signal.aborted;
  let running: RunningCommand | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;

  const terminate = (): void => {
    running?.kill('SIGTERM');
    graceTimer ??= setTimeout(() => running?.kill('SIGKILL'), request.killGraceMs);
  };
  const onAbort = (): void => {
    canceled = true;
    terminate();
  };

  let status: ExitStatus | undefined;
  let error: Error | undefined;
  if (!canceled) {
    try {
      running = member.target.spawn({
        command: job.command,
        cwd: undefined,
        env: {},
        stdin: undefined,
        onStdout: (chunk) => stdout.push(chunk),
        onStderr: (chunk) => stderr.push(chunk),
      });
      signal.addEventListener('abort', onAbort, { once: true });
      if (request.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          terminate();
        }, request.timeoutMs);
      }
      status = await running.exited;
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  const stage: AttemptOutcome['stage'] = canceled
    ? 'canceled'
    : timedOut
      ? 'timeout'
      : error && isUnreachable(error)
        ? 'connect'
        : 'run';
  return {
    stage,
    exitCode: status?.exitCode ?? null,
    signal: status?.signal ?? null,
    startedAt,
    durationMs: performance.now() - clock,
    outputBytes: stdout.bytes + stderr.bytes,
    stdout: stdout.end(),
    stderr: stderr.end(),
    error,
  };
}
