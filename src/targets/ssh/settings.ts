import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { FanoutError } from '../../errors.js';
import { parseDuration } from '../../internal/duration.js';
import { defaultSshConfigFile, expandHome, readSshConfigFile } from './config-file.js';
import { parseSshSpec, type HostKeyPolicy, type SshTargetOptions } from './options.js';

/** Everything needed to open one connection, resolved from options, spec and ssh_config. */
export interface SshSettings {
  /** The host as the user named it (an alias, a name or an address). */
  readonly alias: string;
  /** Where to connect: ssh_config `HostName`, else the alias. */
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  /** `ssh://user@alias:port`: names the target in results and errors. */
  readonly id: string;
  readonly identityFiles: readonly string[];
  /** Identity files were named by the user or the config: a missing one is an error, not skipped. */
  readonly identityFilesRequired: boolean;
  readonly privateKey: string | Buffer | undefined;
  readonly passphrase: string | undefined;
  readonly password: string | undefined;
  readonly agent: string | undefined;
  /** known_hosts files to read; new keys (accept-new) go to the first. */
  readonly knownHostsFiles: readonly string[];
  readonly hostKeyPolicy: HostKeyPolicy;
  /** Keys that accept-new records are hashed: ssh_config `HashKnownHosts yes`. */
  readonly hashKnownHosts: boolean;
  /** Hops to go through, in order: each hop's own jumps are resolved in its settings. */
  readonly jump: SshSettings | undefined;
  readonly connectTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly keepaliveCountMax: number;
  readonly maxChannels: number;
  readonly idleTimeoutMs: number;
  /** Commands without stdin run through session agents. */
  readonly session: boolean;
  /** Connections are shared between targets with the same key: (user, host, port, credentials, route). */
  readonly poolKey: string;
}

type Computed = Record<string, string | string[] | undefined>;

function first(computed: Computed, name: string): string | undefined {
  const value = computed[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function all(computed: Computed, name: string): string[] {
  const value = computed[name.toLowerCase()];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((entry) => entry.split(/\s+/)).filter(Boolean);
}

/** Expands ssh_config `%` tokens: %% %h %p %r %u %n %d %l. */
export function expandTokens(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/%(.)/g, (whole, token: string) => {
    if (token === '%') return '%';
    const value = values[token];
    if (value === undefined) {
      throw new FanoutError(`Unknown token ${whole} in ssh_config value \`${text}\``, {
        code: 'CONFIG_INVALID',
      });
    }
    return value;
  });
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

function digest(value: string | Buffer | undefined): string {
  return value === undefined ? '' : createHash('sha256').update(value).digest('hex').slice(0, 16);
}

function policyFromConfig(value: string | undefined): HostKeyPolicy | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'ask') return 'strict';
  if (lower === 'accept-new' || lower === 'no' || lower === 'off') return 'accept-new';
  return undefined;
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}

/** Sets the key connections are shared by: (user, host, port, credentials, host-key checking, route). */
function withPoolKey(settings: SshSettings): SshSettings {
  const poolKey = JSON.stringify([
    settings.user,
    settings.hostname,
    settings.port,
    settings.identityFiles,
    digest(settings.privateKey),
    digest(settings.passphrase),
    digest(settings.password),
    settings.agent ?? '',
    settings.knownHostsFiles,
    settings.hostKeyPolicy,
    settings.jump?.poolKey ?? '',
  ]);
  return { ...settings, poolKey };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Resolves a target spec as OpenSSH would: explicit options first, then the ssh_config file (Host and
 * Match blocks, Include, `~`, `%h %p %r %u %n %d %l`), then defaults.
 *
 * @example
 * resolveSshSettings({ host: 'web1', configFile: './ssh_config' }).hostname // '10.0.0.5'
 */
export function resolveSshSettings(options: SshTargetOptions, depth = 0): SshSettings {
  if (depth > 8) {
    throw new FanoutError(`ProxyJump chain to ${options.host} is longer than 8 hops`, {
      code: 'CONFIG_INVALID',
    });
  }
  const configFile =
    options.configFile === undefined ? defaultSshConfigFile() : options.configFile || undefined;
  const computed: Computed = configFile
    ? (readSshConfigFile(configFile).compute(
        { Host: options.host, ...(options.user === undefined ? {} : { User: options.user }) },
        { ignoreCase: true, matchExec: false },
      ) as Computed)
    : {};
  const me = localUser();
  const alias = options.host;
  const hostname = expandTokens(first(computed, 'HostName') ?? alias, { h: alias, n: alias });
  const port = options.port ?? Number(first(computed, 'Port') ?? 22);
  const user = options.user ?? first(computed, 'User') ?? me;
  const id = `ssh://${user}@${formatHost(alias)}:${port}`;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new FanoutError(`ssh_config gives ${alias} an invalid Port`, {
      code: 'CONFIG_INVALID',
      target: id,
    });
  }
  const tokens = {
    h: hostname,
    p: String(port),
    r: user,
    u: me,
    n: alias,
    d: homedir(),
    l: localHostname().split('.')[0] ?? '',
  };
  const path = (value: string): string => resolve(expandHome(expandTokens(value, tokens)));

  const configIdentities = all(computed, 'IdentityFile');
  const explicitIdentities =
    typeof options.identityFile === 'string' ? [options.identityFile] : options.identityFile;
  const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homedir(), '.ssh', name));
  const identityFiles =
    explicitIdentities?.map(path) ??
    (configIdentities.length > 0 ? configIdentities.map(path) : defaults.filter((file) => existsSync(file)));

  const identitiesOnly = first(computed, 'IdentitiesOnly')?.toLowerCase() === 'yes';
  const configAgent = first(computed, 'IdentityAgent');
  const agentSocket =
    options.agent === false
      ? undefined
      : (options.agent ??
        (configAgent?.toLowerCase() === 'none'
          ? undefined
          : configAgent === undefined || configAgent === 'SSH_AUTH_SOCK'
            ? process.env.SSH_AUTH_SOCK
            : path(configAgent.replace(/^\$/, ''))));
  const agent = options.agent === undefined && identitiesOnly ? undefined : agentSocket || undefined;

  const knownHostsFiles = options.knownHostsFile
    ? [path(options.knownHostsFile)]
    : [
        ...(all(computed, 'UserKnownHostsFile').map(path).filter(Boolean).length > 0
          ? all(computed, 'UserKnownHostsFile').map(path)
          : [join(homedir(), '.ssh', 'known_hosts'), join(homedir(), '.ssh', 'known_hosts2')]),
        ...(all(computed, 'GlobalKnownHostsFile').length > 0
          ? all(computed, 'GlobalKnownHostsFile').map(path)
          : ['/etc/ssh/ssh_known_hosts']),
      ];
  const hostKeyPolicy =
    options.hostKeyPolicy ?? policyFromConfig(first(computed, 'StrictHostKeyChecking')) ?? 'strict';

  const proxyCommand = first(computed, 'ProxyCommand');
  const proxyJump =
    options.proxyJump === undefined ? first(computed, 'ProxyJump') : options.proxyJump || undefined;
  if (
    options.proxyJump === undefined &&
    proxyJump === undefined &&
    proxyCommand !== undefined &&
    proxyCommand.toLowerCase() !== 'none'
  ) {
    throw new FanoutError(
      `ssh_config gives ${alias} a ProxyCommand, which fanout does not run; use ProxyJump (or proxyJump: false)`,
      { code: 'CONFIG_INVALID', target: id },
    );
  }
  const hops =
    proxyJump && proxyJump.toLowerCase() !== 'none' ? expandTokens(proxyJump, tokens).split(',') : [];
  const inherited: Omit<SshTargetOptions, 'host'> = {
    ...(options.identityFile === undefined ? {} : { identityFile: options.identityFile }),
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.knownHostsFile === undefined ? {} : { knownHostsFile: options.knownHostsFile }),
    ...(options.hostKeyPolicy === undefined ? {} : { hostKeyPolicy: options.hostKeyPolicy }),
    ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
  };
  // `ProxyJump a,b`: b is reached through a, and this host through b; a uses its own config's ProxyJump.
  let jump: SshSettings | undefined;
  for (const [index, hop] of hops.entries()) {
    const hopOptions = { ...inherited, ...parseSshSpec(hop.trim()) };
    const resolved = resolveSshSettings(
      index === 0 ? hopOptions : { ...hopOptions, proxyJump: false },
      depth + 1,
    );
    jump = index === 0 ? resolved : withPoolKey({ ...resolved, jump });
  }

  const connectTimeoutMs =
    options.connectTimeout === undefined
      ? (seconds(first(computed, 'ConnectTimeout')) ?? 15_000)
      : parseDuration(options.connectTimeout, 'connectTimeout');
  const keepaliveMs =
    options.keepalive === false
      ? 0
      : options.keepalive === undefined
        ? (seconds(first(computed, 'ServerAliveInterval')) ?? 15_000)
        : parseDuration(options.keepalive, 'keepalive');
  const keepaliveCountMax = options.keepaliveCountMax ?? Number(first(computed, 'ServerAliveCountMax') ?? 3);

  return withPoolKey({
    alias,
    hostname,
    port,
    user,
    id,
    identityFiles,
    identityFilesRequired: explicitIdentities !== undefined || configIdentities.length > 0,
    privateKey: options.privateKey,
    passphrase: options.passphrase,
    password: options.password,
    agent,
    knownHostsFiles,
    hostKeyPolicy,
    hashKnownHosts: first(computed, 'HashKnownHosts')?.toLowerCase() === 'yes',
    jump,
    connectTimeoutMs,
    keepaliveMs,
    keepaliveCountMax,
    maxChannels: options.maxChannels ?? 10,
    idleTimeoutMs:
      options.idleTimeout === undefined ? 30_000 : parseDuration(options.idleTimeout, 'idleTimeout'),
    session: options.session ?? true,
    poolKey: '',
  });
}
