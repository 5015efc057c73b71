import { ConnectionError, FanoutError, SpawnError } from '../../errors.js';

/** What an error is about: the target, the command (if any) and the daemon. */
export interface DockerErrorContext {
  readonly target: string;
  readonly container: string;
  readonly command: string | undefined;
  /** The daemon, as a socket path or DOCKER_HOST URL. */
  readonly daemon: string;
}

interface DockerodeError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly json?: { readonly message?: string } | null;
  readonly message?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

function reason(error: DockerodeError): string {
  return error.json?.message ?? error.message ?? String(error);
}

function suffix(context: DockerErrorContext): string {
  return context.command === undefined ? '' : `: ${context.command}`;
}

/**
 * Turns a dockerode failure into a typed error naming the container: `TARGET_NOT_FOUND` (no such container
 * or image), `TARGET_UNAVAILABLE` (container not running, daemon not reachable), else `CONNECTION_FAILED`.
 *
 * @example
 * await docker.getContainer(name).exec(options).catch((error) => { throw toDockerError(error, context) });
 */
export function toDockerError(error: unknown, context: DockerErrorContext): FanoutError {
  if (error instanceof FanoutError) return error;
  const { target, command } = context;
  const details = (error ?? {}) as DockerodeError;
  const options = { target, command, cause: error };
  if (details.statusCode === 404) {
    return new SpawnError(`Docker ${target} not found: ${reason(details)}${suffix(context)}`, {
      ...options,
      code: 'TARGET_NOT_FOUND',
    });
  }
  if (details.statusCode === 409) {
    return new SpawnError(
      `Docker container \`${context.container}\` is not running (${target}): ${reason(details)}${suffix(context)}`,
      { ...options, code: 'TARGET_UNAVAILABLE' },
    );
  }
  if (details.code !== undefined && UNREACHABLE.has(details.code)) {
    return new ConnectionError(
      `Docker daemon at ${context.daemon} is not reachable for ${target} (${details.code})${suffix(context)}`,
      { ...options, code: 'TARGET_UNAVAILABLE' },
    );
  }
  return new ConnectionError(`Docker request for ${target} failed: ${reason(details)}${suffix(context)}`, {
    ...options,
    code: 'CONNECTION_FAILED',
  });
}
