import { parseDuration, type Duration } from '../../internal/duration.js';
import { maskUriPassword, registerSecret, URI_PASSWORD_REFUSED } from '../../internal/secrets.js';

/**
 * What to do with the server's host key. `strict` (the default) refuses unknown and changed keys;
 * `accept-new` records unknown keys in the known_hosts file and still refuses changed ones; `insecure`
 * accepts any key (man-in-the-middle attacks go unnoticed: tests and throw-away hosts only).
 */
export type HostKeyPolicy = 'strict' | 'accept-new' | 'insecure';

/**
 * How to reach an SSH host. Explicit fields win over the `user@host:port` spec and over the ssh_config file.
 *
 * @example
 * $.ssh({ host: 'web1', user: 'deploy', identityFile: '~/.ssh/deploy_ed25519', connectTimeout: '5s' });
 */
export interface SshTargetOptions {
  /** A host name, an address, or a `Host` alias of the ssh_config file. */
  readonly host: string;
  /** Remote user. Default: ssh_config `User`, else the local user name. */
  readonly user?: string;
  /** Default: ssh_config `Port`, else 22. */
  readonly port?: number;
  /** Password authentication, tried after keys. Default: none. */
  readonly password?: string;
  /** A private key (OpenSSH or PEM text), tried before the identity files. Default: none. */
  readonly privateKey?: string | Buffer;
  /** Decrypts `privateKey` and encrypted identity files. Default: none (encrypted keys are skipped). */
  readonly passphrase?: string;
  /**
   * Private key files (`~` allowed). Default: ssh_config `IdentityFile`, else `~/.ssh/id_ed25519`,
   * `id_ecdsa`, `id_rsa` when they exist. `[]` uses none.
   */
  readonly identityFile?: string | readonly string[];
  /** SSH agent socket, or `false` for none. Default: ssh_config `IdentityAgent`, else `$SSH_AUTH_SOCK`. */
  readonly agent?: string | false;
  /** ssh_config file to read, or `false` for none. Default: `~/.ssh/config` when it exists. */
  readonly configFile?: string | false;
  /** known_hosts file to verify against (and to add to with `accept-new`). Default: ssh_config
   * `UserKnownHostsFile`, else `~/.ssh/known_hosts` (plus `/etc/ssh/ssh_known_hosts` for reading). */
  readonly knownHostsFile?: string;
  /** Default: ssh_config `StrictHostKeyChecking` (`accept-new`/`no` → `accept-new`), else `strict`. */
  readonly hostKeyPolicy?: HostKeyPolicy;
  /** `[user@]host[:port]` hops, comma-separated, or `false` for a direct connection. Default: ssh_config `ProxyJump`. */
  readonly proxyJump?: string | false;
  /** TCP connect plus SSH handshake plus authentication. Default: ssh_config `ConnectTimeout`, else `'15s'`. */
  readonly connectTimeout?: Duration;
  /** SSH-level keepalive interval (never a remote command), or `false`. Default: ssh_config `ServerAliveInterval`, else `'15s'`. */
  readonly keepalive?: Duration | false;
  /** Unanswered keepalives before the connection counts as lost. Default: ssh_config `ServerAliveCountMax`, else 3. */
  readonly keepaliveCountMax?: number;
  /** Channels (commands) open at once on the connection; more wait in a queue. Default: 10 (OpenSSH MaxSessions). */
  readonly maxChannels?: number;
  /** Close the connection after it has had no command for this long. Default: `'30s'`. */
  readonly idleTimeout?: Duration;
  /**
   * Run commands through session agents: long-lived `sh` processes, one per channel, that each run one
   * command at a time, which saves a channel open and a login shell per command (login rc files run once
   * per agent). Default: true. Commands with stdin always get a channel of their own.
   */
  readonly session?: boolean;
}

const KNOWN = new Set([
  'host',
  'user',
  'port',
  'password',
  'privateKey',
  'passphrase',
  'identityFile',
  'agent',
  'configFile',
  'knownHostsFile',
  'hostKeyPolicy',
  'proxyJump',
  'connectTimeout',
  'keepalive',
  'keepaliveCountMax',
  'maxChannels',
  'idleTimeout',
  'session',
]);

function describe(value: unknown): string {
  return `\`${typeof value === 'string' ? value : String(value)}\` (${typeof value})`;
}

function expectString(options: SshTargetOptions, name: keyof SshTargetOptions, allowFalse = false): void {
  const value = options[name];
  if (value === undefined || (allowFalse && value === false)) return;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(
      `Expected \`${name}\` to be a non-empty string${allowFalse ? ' or false' : ''}, got ${describe(value)}`,
    );
  }
}

function expectInteger(options: SshTargetOptions, name: keyof SshTargetOptions, min: number, max: number) {
  const value = options[name];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got ${describe(value)}`,
    );
  }
}

/**
 * Checks SSH target options once, where the user gives them: unknown fields and wrong types throw a
 * TypeError naming the field.
 */
export function validateSshOptions(options: SshTargetOptions): SshTargetOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected SSH options to be an object or a string, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key))
      throw new TypeError(`Unknown SSH option \`${key}\`; known: ${[...KNOWN].join(', ')}`);
  }
  // Credentials never show in output, logs or errors.
  for (const name of ['password', 'passphrase'] as const) {
    const value = options[name];
    if (typeof value === 'string') registerSecret(value);
  }
  expectString(options, 'host');
  if (options.host === undefined)
    throw new TypeError('Expected `host` to be a non-empty string, got `undefined`');
  for (const name of ['user', 'password', 'passphrase', 'knownHostsFile'] as const)
    expectString(options, name);
  for (const name of ['agent', 'configFile', 'proxyJump'] as const) expectString(options, name, true);
  expectInteger(options, 'port', 1, 65_535);
  expectInteger(options, 'maxChannels', 1, 1000);
  expectInteger(options, 'keepaliveCountMax', 1, 1000);
  if (options.session !== undefined && typeof options.session !== 'boolean')
    throw new TypeError(`Expected \`session\` to be a boolean, got ${describe(options.session)}`);
  const { privateKey, identityFile, hostKeyPolicy } = options;
  if (privateKey !== undefined && typeof privateKey !== 'string' && !Buffer.isBuffer(privateKey)) {
    throw new TypeError(`Expected \`privateKey\` to be a string or a Buffer, got ${describe(privateKey)}`);
  }
  const files = typeof identityFile === 'string' ? [identityFile] : identityFile;
  if (
    files !== undefined &&
    (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === ''))
  ) {
    throw new TypeError(
      `Expected \`identityFile\` to be a file name or an array of them, got ${describe(identityFile)}`,
    );
  }
  if (hostKeyPolicy !== undefined && !['strict', 'accept-new', 'insecure'].includes(hostKeyPolicy)) {
    throw new TypeError(
      `Expected \`hostKeyPolicy\` to be 'strict', 'accept-new' or 'insecure', got ${describe(hostKeyPolicy)}`,
    );
  }
  if (options.connectTimeout !== undefined) parseDuration(options.connectTimeout, 'connectTimeout');
  if (options.idleTimeout !== undefined) parseDuration(options.idleTimeout, 'idleTimeout');
  if (options.keepalive !== undefined && options.keepalive !== false) {
    parseDuration(options.keepalive, 'keepalive');
  }
  return options;
}

/**
 * Reads `host`, `user@host`, `user@host:port`, `ssh://user@host:port` or `user@[::1]:port` into options.
 *
 * @example
 * parseSshSpec('ssh://deploy@web1:2222') // { host: 'web1', user: 'deploy', port: 2222 }
 */
export function parseSshSpec(spec: string): SshTargetOptions {
  const masked = maskUriPassword(spec.trim());
  if (masked !== undefined) throw new TypeError(`SSH target \`${masked}\`: ${URI_PASSWORD_REFUSED}`);
  const match = /^(?:ssh:\/\/)?(?:([^@/\s]+)@)?(\[[^\]\s]+\]|[^\s:@/[\]]+)(?::(\d+))?\/?$/.exec(spec.trim());
  if (!match) {
    throw new TypeError(
      `Expected an SSH target such as \`host\`, \`user@host:port\` or \`ssh://user@host:port\`, got \`${spec}\``,
    );
  }
  const [, user, rawHost, port] = match;
  const host = rawHost!.replace(/^\[(.*)\]$/, '$1');
  const options: SshTargetOptions = {
    host,
    ...(user === undefined ? {} : { user: decodeURIComponent(user) }),
    ...(port === undefined ? {} : { port: Number(port) }),
  };
  return validateSshOptions(options);
}
