import { ConnectionError, FanoutError, type ErrorCode } from '../../errors.js';

/** Where a failure happened, for the message and the error's fields. */
export interface FailureContext {
  readonly target: string;
  readonly command: string | undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);

/** The error under a `ws` ErrorEvent (`{ error, message }`), or the value itself. */
function unwrap(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && !(error instanceof Error) && 'error' in error)
    return (error as { error: unknown }).error;
  return error;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** The HTTP status the API server answered the WebSocket upgrade with, when it refused it. */
export function readHandshakeStatus(error: unknown): number | undefined {
  const match = /Unexpected server response: (\d{3})/.exec(messageOf(unwrap(error)));
  return match ? Number(match[1]) : undefined;
}

function byStatus(status: number): { code: ErrorCode; reason: string } {
  if (status === 401) return { code: 'AUTH_FAILED', reason: 'the API server rejected the credentials (401)' };
  if (status === 403) return { code: 'AUTH_FAILED', reason: 'exec in this pod is forbidden (403)' };
  if (status === 404) return { code: 'TARGET_NOT_FOUND', reason: 'no such pod or namespace (404)' };
  if (status === 400)
    return {
      code: 'TARGET_UNAVAILABLE',
      reason: 'the API server refused the exec (400): no such container, or the pod is not running',
    };
  if (status >= 500) return { code: 'TARGET_UNAVAILABLE', reason: `the API server failed (${status})` };
  return { code: 'CONNECTION_FAILED', reason: `the API server refused the exec (${status})` };
}

/**
 * Turns a failure to open an exec connection into a typed error naming the target and the command:
 * 401/403 → AUTH_FAILED, 404 → TARGET_NOT_FOUND, 400/5xx → TARGET_UNAVAILABLE, network and TLS
 * failures → CONNECTION_FAILED. A FanoutError without a target (a connect timeout) gets this one.
 *
 * @example
 * mapConnectError(new Error('Unexpected server response: 404'), { target: 'k8s://web/api', command: 'ls' })
 * // ConnectionError { code: 'TARGET_NOT_FOUND', target: 'k8s://web/api', command: 'ls' }
 */
export function mapConnectError(error: unknown, where: FailureContext): FanoutError {
  if (error instanceof FanoutError && error.target === undefined)
    return new ConnectionError(`Cannot exec in ${where.target}: ${error.message}`, {
      code: error.code,
      target: where.target,
      command: where.command,
      cause: error,
    });
  if (error instanceof FanoutError) return error;
  const cause = unwrap(error);
  const status = readHandshakeStatus(cause);
  const nodeCode = (cause as { code?: unknown } | undefined)?.code;
  let code: ErrorCode = 'CONNECTION_FAILED';
  let reason = messageOf(cause);
  if (status !== undefined) ({ code, reason } = byStatus(status));
  else if (typeof nodeCode === 'string' && NETWORK_CODES.has(nodeCode))
    reason = `cannot reach the API server (${nodeCode}): ${reason}`;
  else if (typeof nodeCode === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL/.test(nodeCode))
    reason = `the API server's TLS certificate is not trusted (${nodeCode}): ${reason}`;
  const doing = where.command === undefined ? '' : ` to run \`${where.command}\``;
  return new ConnectionError(`Cannot exec in ${where.target}${doing}: ${reason}`, {
    code,
    target: where.target,
    command: where.command,
    cause,
  });
}
