import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { parseDuration, type Duration } from './duration.js';

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

const KNOWN = new Set(Object.keys(DEFAULT_OPTIONS));

/** Checks a partial set of options once, where the user gives them. */
export function validateOptions(options: Partial<ShellOptions>): Partial<ShellOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected options to be an object, got \`${String(options)}\` (${typeof options})`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`Unknown option \`${key}\`; known: ${[...KNOWN].join(', ')}`);
  }
  if (options.timeout !== undefined) parseDuration(options.timeout, 'timeout');
  if (options.killGrace !== undefined) parseDuration(options.killGrace, 'killGrace');
  if (
    options.maxBuffer !== undefined &&
    !(Number.isInteger(options.maxBuffer) && options.maxBuffer > 0) &&
    options.maxBuffer !== Infinity
  ) {
    throw new TypeError(
      `Expected \`maxBuffer\` to be an integer from 1 and up, got \`${String(options.maxBuffer)}\` (${typeof options.maxBuffer})`,
    );
  }
  if (options.stdin !== undefined && !isStdin(options.stdin)) {
    throw new TypeError(
      `Expected \`stdin\` to be a string, a Buffer or a Readable stream, got \`${String(options.stdin)}\` (${typeof options.stdin})`,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError('Expected `signal` to be an AbortSignal');
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

/** The options in force: the defaults under the given layers. */
export function mergeOptions(...layers: ReadonlyArray<Partial<ShellOptions> | undefined>): ShellOptions {
  return combineOptions(DEFAULT_OPTIONS, ...layers) as ShellOptions;
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
  validateOptions(options);
  return scope.run(combineOptions(scope.getStore(), options), fn);
}
