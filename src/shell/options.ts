import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { parseDuration, type Duration } from '../internal/duration.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** Options of a command. Every field is optional where it is given; the defaults are listed here. */
export interface ShellOptions {
  /** Working directory on the target. Default: the target's own (the current directory for local). */
  readonly cwd: string | undefined;
  /** Variables added to the target's environment. Default: none added. */
  readonly env: Readonly<Record<string, string>>;
  /** Kill the command after this long and reject with a TimeoutError. Default: no timeout. */
  readonly timeout: Duration | undefined;
  /** How long to wait after SIGTERM before SIGKILL. Default: `'3s'`. */
  readonly killGrace: Duration;
  /** Most bytes kept of stdout, and of stderr; more kills the command with a MaxBufferError. Default: 256 MiB. */
  readonly maxBuffer: number;
  /** Resolve with the result instead of rejecting when the command exits non-zero, is signalled or times out. Default: false. */
  readonly nothrow: boolean;
  /** Echo the command and its output to this process's stderr/stdout as it runs. Default: false. */
  readonly verbose: boolean;
  /** Cancels the command: it is killed and the promise rejects with the signal's reason. Default: none. */
  readonly signal: AbortSignal | undefined;
  /** Standard input. Default: none (end-of-file at once). */
  readonly stdin: string | Buffer | Readable | undefined;
}

export const DEFAULT_OPTIONS: ShellOptions = {
  cwd: undefined,
  env: {},
  timeout: undefined,
  killGrace: '3s',
  maxBuffer: 256 * 1024 * 1024,
  nothrow: false,
  verbose: false,
  signal: undefined,
  stdin: undefined,
};

const KNOWN = Object.keys(DEFAULT_OPTIONS);

/** The options in force for one command, with durations in milliseconds. */
export interface NormalizedShellOptions extends Omit<ShellOptions, 'timeout' | 'killGrace'> {
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
}

/** Checks one layer of options where the user gives it; throws a TypeError naming the bad option. */
export function validateShellOptions(options: Partial<ShellOptions>): Partial<ShellOptions> {
  validateOptions(options, 'a command', KNOWN);
  if (options.timeout !== undefined) parseDuration(options.timeout, 'timeout');
  if (options.killGrace !== undefined) parseDuration(options.killGrace, 'killGrace');
  if (options.maxBuffer !== undefined) validateInteger(options.maxBuffer, 'maxBuffer', 1, true);
  validateSignal(options.signal);
  if (options.stdin !== undefined && !isStdin(options.stdin)) {
    throw new TypeError(
      `Expected \`stdin\` to be a string, a Buffer or a Readable stream, got \`${String(options.stdin)}\` (${typeof options.stdin})`,
    );
  }
  if (options.env !== undefined) {
    for (const [name, value] of Object.entries(options.env)) {
      if (typeof value !== 'string') {
        throw new TypeError(
          `Expected \`env.${name}\` to be a string, got \`${String(value)}\` (${typeof value})`,
        );
      }
    }
  }
  return options;
}

function isStdin(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    Buffer.isBuffer(value) ||
    value instanceof Readable ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Readable).pipe === 'function' &&
      typeof (value as Readable).on === 'function')
  );
}

/** Stacks layers of options; later layers win, `env` is merged key by key. */
export function combineOptions(
  ...layers: ReadonlyArray<Partial<ShellOptions> | undefined>
): Partial<ShellOptions> {
  let combined: Partial<ShellOptions> = {};
  for (const layer of layers) {
    if (layer) combined = { ...combined, ...layer, env: { ...combined.env, ...layer.env } };
  }
  return combined;
}

/** The options in force: the defaults under the given (already validated) layers, durations in milliseconds. */
export function normalizeShellOptions(
  ...layers: ReadonlyArray<Partial<ShellOptions> | undefined>
): NormalizedShellOptions {
  const { timeout, killGrace, ...rest } = combineOptions(DEFAULT_OPTIONS, ...layers) as ShellOptions;
  return {
    ...rest,
    timeoutMs: timeout === undefined ? undefined : parseDuration(timeout, 'timeout'),
    killGraceMs: parseDuration(killGrace, 'killGrace'),
  };
}

const scope = new AsyncLocalStorage<Partial<ShellOptions>>();

/** The options set by the enclosing `within()` calls. */
export function scopedOptions(): Partial<ShellOptions> | undefined {
  return scope.getStore();
}

/**
 * Runs `fn` with default options for every command it starts, however deep, including after `await`.
 *
 * @example
 * await within({ cwd: '/srv/app', timeout: '30s' }, async () => {
 *   await $`git pull`;
 *   await $`make`;
 * });
 */
export function within<T>(options: Partial<ShellOptions>, fn: () => T): T {
  validateShellOptions(options);
  return scope.run(combineOptions(scope.getStore(), options), fn);
}
