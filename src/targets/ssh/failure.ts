import { ConnectionError, type ErrorCode } from '../../errors.js';

/**
 * Why a connection could not be opened or was lost, before it is tied to a command. Each command that
 * suffers it gets its own ConnectionError naming the target and that command.
 */
export class SshFailure extends Error {
  override name = 'SshFailure';
  readonly code: ErrorCode;
  /** A new attempt may succeed (the server dropped us before the handshake, MaxStartups). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Turns any failure into the ConnectionError a command rejects with. */
export function toConnectionError(failure: unknown, target: string, command: string): ConnectionError {
  if (failure instanceof ConnectionError) return failure;
  const known = failure instanceof SshFailure;
  const reason = failure instanceof Error ? failure.message : String(failure);
  return new ConnectionError(`${reason} (${target}): ${command}`, {
    code: known ? failure.code : 'CONNECTION_FAILED',
    target,
    command,
    cause: known ? (failure.cause ?? failure) : failure,
  });
}
