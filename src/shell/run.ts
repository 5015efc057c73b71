import type { Readable } from 'node:stream';
import { CommandError, MaxBufferError, SpawnError, TimeoutError } from '../errors.js';
import type { ExitStatus, RunningCommand, Target } from '../targets/target.js';
import { onAbort } from '../internal/on-abort.js';
import { setLongTimeout, type LongTimer } from '../internal/timer.js';
import { OutputBuffer } from './output.js';
import { ProcessResult } from './result.js';

/** One command to run on a target, with every option already checked and durations in milliseconds. */
export interface RunRequest {
  readonly target: Target;
  readonly command: string;
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Buffer | Readable | undefined;
  /** Kill the command (TERM, then KILL after `killGraceMs`) after this long. */
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
  /** Aborting it kills the command; the outcome then has `aborted` set. */
  readonly signal: AbortSignal | undefined;
  /** Keep stdout and stderr in the outcome. When false nothing is kept and no cap applies. */
  readonly keepOutput: boolean;
  /** Most bytes kept of each stream; more kills the command and ends in a MaxBufferError. */
  readonly maxBuffer: number;
  readonly onStdout: ((chunk: Buffer) => void) | undefined;
  readonly onStderr: ((chunk: Buffer) => void) | undefined;
}

/** How a run ended. It never rejects: every failure is a field. */
export interface RunOutcome {
  /** The result, whenever the target told how the command ended. */
  readonly result: ProcessResult | undefined;
  /**
   * Why the run was not a success, typed: the target's own error (a ConnectionError, a SpawnError …), a
   * MaxBufferError, a TimeoutError, or a CommandError for a non-zero exit or a signal. Undefined on success
   * and when `aborted`.
   */
  readonly error: Error | undefined;
  /** The caller's signal aborted the run (it may have ended in any way after that). */
  readonly aborted: boolean;
  readonly timedOut: boolean;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Bytes written to stdout and stderr, kept or not. */
  readonly outputBytes: number;
  /** When the command started, in ms since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/** A run in progress. */
export interface Run {
  readonly outcome: Promise<RunOutcome>;
  /** Sends `signal` to the command's process group, then SIGKILL after the grace unless it was SIGKILL. */
  kill(signal: NodeJS.Signals): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Longest command, in bytes, a target can run: every target ends in `sh -c COMMAND`, and Linux takes one
 * argument of at most 128 KiB with its NUL (MAX_ARG_STRLEN); past it exec fails with E2BIG.
 */
export const MAX_COMMAND_BYTES = 128 * 1024 - 1;

/** A SpawnError when `command` is too long to reach `sh -c` as one argument. */
function checkLength(command: string, target: string): SpawnError | undefined {
  const bytes = Buffer.byteLength(command);
  if (bytes <= MAX_COMMAND_BYTES) return undefined;
  const shown = command.length > 80 ? `${command.slice(0, 80)}…` : command;
  return new SpawnError(
    `Cannot start command on ${target}: the command is too long (${bytes} bytes; sh -c takes at most ${MAX_COMMAND_BYTES}): ${shown}`,
    { code: 'SPAWN_FAILED', target, command },
  );
}

/**
 * Runs one command on a target: the one place that applies timeouts, aborts, TERM → grace → KILL and the
 * output cap, for both `$` and the fleet.
 *
 * @example
 * const run = runCommand({ target: localTarget, command: 'uname -a', cwd: undefined, env: {}, stdin: undefined,
 *   timeoutMs: 5000, killGraceMs: 3000, signal: undefined, keepOutput: true, maxBuffer: 1 << 20,
 *   onStdout: undefined, onStderr: undefined });
 * const { result, error } = await run.outcome;
 */
export function runCommand(request: RunRequest): Run {
  const { signal, keepOutput, maxBuffer } = request;
  const stdout = keepOutput ? new OutputBuffer(maxBuffer) : undefined;
  const stderr = keepOutput ? new OutputBuffer(maxBuffer) : undefined;
  const startedAt = Date.now();
  const clock = performance.now();
  let outputBytes = 0;
  let timedOut = false;
  let aborted = signal?.aborted ?? false;
  let running: RunningCommand | undefined;
  let graceTimer: LongTimer | undefined;
  let timer: LongTimer | undefined;
  let stopListening = (): void => {};

  const kill = (first: NodeJS.Signals): void => {
    running?.kill(first);
    if (first !== 'SIGKILL')
      graceTimer ??= setLongTimeout(() => running?.kill('SIGKILL'), request.killGraceMs);
  };
  const collect = (buffer: OutputBuffer | undefined, listener: ((chunk: Buffer) => void) | undefined) => {
    return (chunk: Buffer): void => {
      outputBytes += chunk.length;
      if (buffer && !buffer.push(chunk)) kill('SIGTERM');
      listener?.(chunk);
    };
  };

  const finish = (status: ExitStatus | undefined, failure: unknown): RunOutcome => {
    timer?.clear();
    graceTimer?.clear();
    stopListening();
    const fields = {
      stdout: stdout?.toBuffer() ?? EMPTY,
      stderr: stderr?.toBuffer() ?? EMPTY,
      durationMs: performance.now() - clock,
    };
    const result =
      status &&
      new ProcessResult({
        stdout: fields.stdout.toString('utf8'),
        stderr: fields.stderr.toString('utf8'),
        exitCode: status.exitCode,
        signal: status.signal,
        timedOut,
        durationMs: fields.durationMs,
        command: request.command,
        target: request.target.id,
      });
    let error: Error | undefined;
    if (aborted) error = undefined;
    else if (!result) error = failure instanceof Error ? failure : new Error(String(failure));
    else if (stdout?.overflowed || stderr?.overflowed) error = new MaxBufferError(result, maxBuffer);
    else if (timedOut) error = new TimeoutError(result);
    else if (!result.ok) error = new CommandError(result);
    return { result, error, aborted, timedOut, outputBytes, startedAt, ...fields };
  };

  if (aborted) return { outcome: Promise.resolve(finish(undefined, undefined)), kill: () => {} };
  const tooLong = checkLength(request.command, request.target.id);
  if (tooLong) return { outcome: Promise.resolve(finish(undefined, tooLong)), kill: () => {} };
  try {
    running = request.target.spawn({
      command: request.command,
      cwd: request.cwd,
      env: request.env,
      stdin: request.stdin,
      onStdout: collect(stdout, request.onStdout),
      onStderr: collect(stderr, request.onStderr),
    });
  } catch (error) {
    // A target that throws while starting fails the run, like every other failure.
    return { outcome: Promise.resolve(finish(undefined, error)), kill: () => {} };
  }
  // One listener per signal however many commands share it (see on-abort.ts).
  if (signal) {
    stopListening = onAbort(signal, () => {
      aborted = true;
      kill('SIGTERM');
    });
  }
  let ended = false;
  const { timeoutMs } = request;
  if (timeoutMs !== undefined) {
    // The timeout counts from when the target is reached: connecting has a deadline of its own.
    const arm = (): void => {
      if (ended) return;
      timer = setLongTimeout(() => {
        timedOut = true;
        kill('SIGTERM');
      }, timeoutMs);
    };
    if (running.reached) void running.reached.then(arm);
    else arm();
  }
  const outcome = running.exited.then(
    (status) => ((ended = true), finish(status, undefined)),
    (error: unknown) => ((ended = true), finish(undefined, error)),
  );
  return { outcome, kill };
}
