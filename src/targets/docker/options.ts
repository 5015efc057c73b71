import { randomBytes } from 'node:crypto';
import { validateOptions } from '../../internal/validate.js';

/**
 * Which container, and how to run commands in it. Give `container` (an existing, running container) or
 * `image` (a throwaway container is started from it on first use and removed by `dispose()`), not both.
 */
export interface DockerTargetOptions {
  /** Name or id of a running container. */
  readonly container?: string;
  /** Image to start a throwaway container from; it must exist on the daemon (nothing is pulled). */
  readonly image?: string;
  /** User that runs commands: `name`, `uid` or `uid:gid`. Default: the container's user. */
  readonly user?: string;
  /** Working directory of commands that set no `cwd`. Default: the container's. */
  readonly workdir?: string;
  /** Variables added to every command's environment (a command's own `env` wins). Default: none. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The daemon's unix socket. Default: what `DOCKER_HOST` says (`unix://…`, `tcp://…`, `ssh://…`, with
   * `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH`), else `/var/run/docker.sock`.
   */
  readonly socketPath?: string;
  /**
   * Run commands through session agents: long-lived `sh` execs that each run one command at a time, which
   * saves an exec create/start/inspect round per command. Default: true. Commands with stdin always get an
   * exec of their own.
   */
  readonly session?: boolean;
}

/** Options after validation: exactly one of `container` and `image` is set. */
export interface NormalizedDockerOptions {
  /** `docker://<container>`; for a throwaway, the name it will be created under. */
  readonly id: string;
  readonly container: string;
  readonly image: string | undefined;
  readonly user: string | undefined;
  readonly workdir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly socketPath: string | undefined;
  readonly session: boolean;
}

const KNOWN = ['container', 'image', 'user', 'workdir', 'env', 'socketPath', 'session'];
/** Docker's own rule for names, and hexadecimal ids. */
const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

function expectString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/** `app` or `docker://app` → `{ container: 'app' }`. */
function parseSpec(spec: string): DockerTargetOptions {
  const container = spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec;
  return { container };
}

/**
 * Validates a Docker target spec once: a container name (`app`), a URI (`docker://app`) or an options
 * object. Bad options throw a TypeError naming the option, as every target kind's options do.
 *
 * @example
 * normalizeDockerOptions('docker://app'); // { id: 'docker://app', container: 'app', … }
 */
export function normalizeDockerOptions(spec: string | DockerTargetOptions): NormalizedDockerOptions {
  if (typeof spec !== 'string' && (typeof spec !== 'object' || spec === null)) {
    throw new TypeError(`Expected a container name or Docker options, got ${describe(spec)}`);
  }
  const options = typeof spec === 'string' ? parseSpec(spec) : spec;
  validateOptions(options, 'a Docker target', KNOWN);
  const container = expectString(options.container, 'container');
  const image = expectString(options.image, 'image');
  if ((container === undefined) === (image === undefined)) {
    throw new TypeError('Expected exactly one of `container` and `image` in the Docker options');
  }
  if (container !== undefined && !CONTAINER_NAME.test(container)) {
    throw new TypeError(`Expected \`container\` to be a container name or id, got ${describe(container)}`);
  }
  const env = options.env ?? {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string') {
      throw new TypeError(`Expected \`env.${name}\` to be a string, got ${describe(value)}`);
    }
  }
  if (options.session !== undefined && typeof options.session !== 'boolean') {
    throw new TypeError(`Expected \`session\` to be a boolean, got ${describe(options.session)}`);
  }
  const name = container?.replace(/^\//, '') ?? `fanout-${randomBytes(6).toString('hex')}`;
  return {
    id: `docker://${name}`,
    container: name,
    image,
    user: expectString(options.user, 'user'),
    workdir: expectString(options.workdir, 'workdir'),
    env,
    socketPath: expectString(options.socketPath, 'socketPath'),
    session: options.session ?? true,
  };
}
