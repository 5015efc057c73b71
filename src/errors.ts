import { redactSecrets } from './internal/secrets.js';
import type { ProcessResultFields } from './shell/result.js';

/**
 * The codes callers branch on. Every error fanout throws carries one.
 */
export type ErrorCode =
  | 'COMMAND_FAILED'
  | 'TIMEOUT'
  | 'MAX_BUFFER'
  | 'SPAWN_FAILED'
  | 'ABORTED'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'CONNECT_TIMEOUT'
  | 'AUTH_FAILED'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_MISMATCH'
  | 'NO_EXIT_STATUS'
  | 'TARGET_NOT_FOUND'
  | 'TARGET_UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'BATCH_MISMATCH'
  | 'USAGE'
  | 'INVENTORY_INVALID'
  | 'TRANSFER_FAILED'
  | 'SOURCE_NOT_FOUND'
  | 'UNSAFE_PATH'
  | 'CHECKSUM_MISMATCH';

export interface FanoutErrorOptions {
  readonly code: ErrorCode;
  /** Where it happened: `local`, `ssh://deploy@web-3:22`, `docker://app` … */
  readonly target?: string | undefined;
  /** The command line that was being run, when there was one. */
  readonly command?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The base of every error fanout throws: a `code` to branch on, and the target and command involved.
 *
 * @example
 * try { await $.ssh('web1')`uptime` } catch (error) {
 *   if (error instanceof FanoutError && error.code === 'HOST_KEY_UNKNOWN') console.error(error.target);
 * }
 */
export class FanoutError extends Error {
  override name = 'FanoutError';
  readonly code: ErrorCode;
  readonly target: string | undefined;
  readonly command: string | undefined;

  /** Registered secrets (see `registerSecret`) in `message` show as `***`. */
  constructor(message: string, options: FanoutErrorOptions) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.target = options.target;
    this.command = options.command;
  }
}

/**
 * A target could not be reached, or the connection dropped while a command ran. The command's outcome is
 * unknown: never mistaken for success.
 */
export class ConnectionError extends FanoutError {
  override name = 'ConnectionError';
}

/** A command could not be started at all (missing working directory, shell not found …). */
export class SpawnError extends FanoutError {
  override name = 'SpawnError';
}

/** The last lines of a command's stderr, for error messages. */
function tail(text: string, lines = 10): string {
  const kept = text.trimEnd().split('\n').slice(-lines).join('\n');
  return kept.length > 2000 ? `…${kept.slice(-2000)}` : kept;
}

function describeEnd(result: ProcessResultFields): string {
  if (result.timedOut) return `timed out after ${Math.round(result.durationMs)} ms`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `failed with exit code ${result.exitCode}`;
}

/**
 * A command ended badly: a non-zero exit, a signal, or (as its subclasses) a timeout or too much output.
 * It carries every field of the result, so callers branch on fields, never on the message.
 */
export class CommandError extends FanoutError implements ProcessResultFields {
  override name = 'CommandError';
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  override readonly command: string;
  override readonly target: string;
  readonly ok = false;

  constructor(result: ProcessResultFields, code: ErrorCode = 'COMMAND_FAILED', reason = describeEnd(result)) {
    const stderr = tail(result.stderr);
    super(`Command on ${result.target} ${reason}: ${result.command}${stderr ? `\n${stderr}` : ''}`, {
      code,
      target: result.target,
      command: result.command,
    });
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.exitCode = result.exitCode;
    this.signal = result.signal;
    this.timedOut = result.timedOut;
    this.durationMs = result.durationMs;
    this.command = result.command;
    this.target = result.target;
  }
}

/** The command ran past its timeout and was killed. */
export class TimeoutError extends CommandError {
  override name = 'TimeoutError';
  constructor(result: ProcessResultFields) {
    super(result, 'TIMEOUT');
  }
}

/** The command wrote more than `maxBuffer` bytes; it was killed and the head of its output kept. */
export class MaxBufferError extends CommandError {
  override name = 'MaxBufferError';
  constructor(result: ProcessResultFields, maxBuffer: number) {
    super(result, 'MAX_BUFFER', `wrote more than maxBuffer (${maxBuffer} bytes) and was killed`);
  }
}
