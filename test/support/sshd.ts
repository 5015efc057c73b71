/**
 * Real OpenSSH `sshd -D` fixtures for tests, benchmarks and end-to-end runs.
 *
 * ## Contract
 *
 * `startSshFixtures(count = 8)` (and the vitest globalSetup `test/support/ssh-setup.ts`, which calls it and
 * `provide('ssh', info)`s the result) starts `count` sshd processes on 127.0.0.2 … 127.0.0.(count+1), all on
 * one port (2222 unless that port is taken on one of the addresses: then the next free one, so always read
 * `host.port`). Each has its own ed25519 host key, `UsePAM no`, key-only auth, SFTP, `MaxStartups 100:30:200`,
 * default MaxSessions (10), `AllowTcpForwarding yes`. Logins: the user `fanout-test` (created with `useradd`
 * when missing, shell `/bin/sh`, so no rc-file cost) and root (`prohibit-password`; note that sshd 9.2
 * ignores SSH signal requests for root). Everything generated lives in `info.dir` (a temp dir).
 *
 * `info: SshFixtureInfo`:
 * - `dir`: the temp dir; `user`: `'fanout-test'`
 * - `hosts[i]`: `{ host: '127.0.0.2', port: 2222, user: 'fanout-test', uri: 'ssh://fanout-test@127.0.0.2:2222',
 *   alias: 'fanout-1', pid, sshdConfigFile, pidFile, logFile, hostKeyFile, knownHostsLine }`
 * - `identityFile`: ed25519 key authorized for both users, no passphrase
 * - `encryptedIdentityFile` + `passphrase`: an authorized key protected by that passphrase
 * - `agentIdentityFile`: an authorized key meant to be loaded into an `ssh-agent` by a test
 * - `authorizedKeysFile`: the one `AuthorizedKeysFile` every fixture uses
 * - `knownHostsFile`: `[127.0.0.x]:port ssh-ed25519 …` lines for every host
 * - `configFile`: an ssh_config (usable by OpenSSH's `ssh -F` too) with `Host fanout-1 … fanout-N` aliases
 *   (HostName, Port, User, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking yes, BatchMode yes)
 *
 * Helpers (work from any process that has `info`; they act on pid files, so a host restarted by a test is
 * still stopped by the global teardown):
 * - `stopHost(host)`: SIGTERM the listener (running sessions live on); `killHost(host)`: SIGKILL the
 *   listener and every session process under it (clients see their connections drop); `pauseHost(host)` /
 *   `resumeHost(host)`: SIGSTOP / SIGCONT them (TCP stays up, nothing answers: an unreachable host);
 *   `restartHost(host)`: start it again with the same config and key (updates `host.pid`).
 * - `startSshd(info, { host, port? })`: an extra sshd of your own (same users and keys, its own host key) —
 *   use it for anything destructive so that other test files sharing the 8 hosts are not disturbed. Stop it
 *   with `fixture.stop()`.
 * - `startSshFixtures(count)` returns `{ info, stop() }` for scripts outside vitest (benchmarks, CLI e2e);
 *   `startSshFixtures(0)` gives the users, keys and temp dir alone.
 * - For fleets of many hosts (test/support/fleet-fixtures.ts): `generateHostKey(dir)` makes one host key many
 *   fixtures share, `describeHost(info, address, port, alias, sharedKey)` writes one fixture's config,
 *   `launch(host)` starts it, `killHosts(hosts)` kills many and all under them with one `ps`, `choosePort(addresses)`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const FIXTURE_USER = 'fanout-test';

export interface SshFixtureHost {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** `ssh://fanout-test@127.0.0.2:2222` */
  readonly uri: string;
  /** Its `Host` alias in `configFile`: `fanout-1` … */
  readonly alias: string;
  /** The listener's pid (changes on `restartHost`). */
  pid: number;
  readonly sshdConfigFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly hostKeyFile: string;
  /** `[127.0.0.2]:2222 ssh-ed25519 AAAA…`, one known_hosts line. */
  readonly knownHostsLine: string;
}

export interface SshFixtureInfo {
  readonly dir: string;
  readonly user: string;
  readonly hosts: SshFixtureHost[];
  readonly identityFile: string;
  readonly encryptedIdentityFile: string;
  readonly passphrase: string;
  readonly agentIdentityFile: string;
  readonly authorizedKeysFile: string;
  readonly knownHostsFile: string;
  readonly configFile: string;
}

export interface SshFixtures {
  readonly info: SshFixtureInfo;
  stop(): Promise<void>;
}

function run(file: string, args: readonly string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ensureUser(): void {
  try {
    run('id', ['-u', FIXTURE_USER]);
  } catch {
    run('useradd', ['--create-home', '--shell', '/bin/sh', FIXTURE_USER]);
  }
  // With UsePAM no, sshd refuses a locked account ('!' password) even for key logins: '*' is "no password".
  if (/^\S+ L /.test(run('passwd', ['--status', FIXTURE_USER])))
    run('usermod', ['--password', '*', FIXTURE_USER]);
}

function generateKey(file: string, passphrase = ''): string {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'fanout-fixture', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Resolves once the sshd at host:port sends its banner. */
async function waitForBanner(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      // A loaded machine may take seconds to re-exec sshd for a connection: wait for this one's banner.
      socket.setTimeout(Math.max(1000, deadline - Date.now()));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString('latin1').startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${host}:${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Every descendant of the `roots`, found with one `ps`. */
function descendantsOf(roots: number | readonly number[]): number[] {
  const children = new Map<number, number[]>();
  const out = run('ps', ['-e', '-o', 'pid=,ppid=']);
  for (const line of out.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined || Number.isNaN(child)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const stack = typeof roots === 'number' ? [roots] : [...roots];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

/** Starts a described fixture's sshd and resolves once it answers (sets `host.pid`). */
export async function launch(host: SshFixtureHost, timeoutMs = 30_000): Promise<void> {
  rmSync(host.pidFile, { force: true });
  const log = openSync(host.logFile, 'a');
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', host.sshdConfigFile], {
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  child.unref();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`sshd for ${host.uri} exited with ${code}; see ${host.logFile}`)),
    ),
  );
  await Promise.race([waitForBanner(host.host, host.port, timeoutMs), exited]);
  host.pid = child.pid!;
}

/** A host key several fixtures may share (so that hundreds start without one `ssh-keygen` each). */
export interface SharedHostKey {
  readonly file: string;
  /** `ssh-ed25519 AAAA…` */
  readonly publicKey: string;
}

/** Generates a host key in `dir` for `describeHost(…, hostKey)`. */
export function generateHostKey(dir: string, name = 'shared_host_ed25519_key'): SharedHostKey {
  const file = join(dir, name);
  return { file, publicKey: generateKey(file).split(' ').slice(0, 2).join(' ') };
}

function writeSshdConfig(
  info: { dir: string; authorizedKeysFile: string },
  host: string,
  port: number,
  sharedKey?: SharedHostKey,
) {
  const base = join(info.dir, `sshd-${host}`);
  mkdirSync(base, { recursive: true });
  const hostKeyFile = sharedKey?.file ?? join(base, 'ssh_host_ed25519_key');
  const publicKey = sharedKey?.publicKey ?? generateKey(hostKeyFile).split(' ').slice(0, 2).join(' ');
  const sshdConfigFile = join(base, 'sshd_config');
  const pidFile = join(base, 'sshd.pid');
  writeFileSync(
    sshdConfigFile,
    [
      `ListenAddress ${host}:${port}`,
      `HostKey ${hostKeyFile}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${info.authorizedKeysFile}`,
      'UsePAM no',
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'MaxStartups 100:30:200',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'PrintMotd no',
      'PrintLastLog no',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  return {
    sshdConfigFile,
    pidFile,
    hostKeyFile,
    logFile: join(base, 'sshd.log'),
    knownHostsLine: `[${host}]:${port} ${publicKey}`,
  };
}

/** Writes the config of one more fixture at host:port (its own host key unless `sharedKey`); `launch` starts it. */
export function describeHost(
  info: { dir: string; authorizedKeysFile: string; user: string },
  host: string,
  port: number,
  alias: string,
  sharedKey?: SharedHostKey,
): SshFixtureHost {
  return {
    host,
    port,
    user: info.user,
    uri: `ssh://${info.user}@${host}:${port}`,
    alias,
    pid: 0,
    ...writeSshdConfig(info, host, port, sharedKey),
  };
}

/** The first port from 2222 that is free on every address. */
export async function choosePort(addresses: readonly string[]): Promise<number> {
  for (let port = 2222; port < 2300; port++) {
    const free = await Promise.all(addresses.map((address) => isPortFree(address, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error('No free port from 2222 to 2299 on the fixture addresses');
}

/**
 * An ssh_config (usable by OpenSSH's `ssh -F` too) with one strict, key-only `Host` block per host.
 *
 * @example
 * writeFileSync(configFile, formatSshConfig(hosts, { user, identityFile, knownHostsFile }));
 */
export function formatSshConfig(
  hosts: ReadonlyArray<{ readonly alias: string; readonly host: string; readonly port: number }>,
  login: { readonly user: string; readonly identityFile: string; readonly knownHostsFile: string },
): string {
  return hosts
    .map((host) =>
      [
        `Host ${host.alias}`,
        `  HostName ${host.host}`,
        `  Port ${host.port}`,
        `  User ${login.user}`,
        `  IdentityFile ${login.identityFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${login.knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** SIGTERM a fixture's listener; sessions already running carry on. */
export async function stopHost(host: SshFixtureHost): Promise<void> {
  const pid = readPid(host.pidFile) ?? host.pid;
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitForExit(pid);
}

/**
 * The listener and its sshd session processes (not the commands they run). The listener is stopped first, so
 * that it forks no session after the listing; the caller's signal decides what happens next (SIGCONT resumes it).
 */
function sshdProcesses(host: SshFixtureHost): number[] {
  const pid = readPid(host.pidFile) ?? host.pid;
  if (!isAlive(pid)) return [];
  process.kill(pid, 'SIGSTOP');
  const sessions = descendantsOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
  return [pid, ...sessions];
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

/** SIGKILL many fixtures' listeners and every process under them (commands too), reading `ps` once: teardown. */
export async function killHosts(hosts: readonly SshFixtureHost[]): Promise<void> {
  const listeners = hosts.map((host) => readPid(host.pidFile) ?? host.pid).filter(isAlive);
  signalAll(listeners, 'SIGSTOP'); // no new session between the listing and the kill
  const all = new Set(listeners);
  for (const pid of descendantsOf(listeners)) all.add(pid);
  signalAll([...all], 'SIGKILL');
  await Promise.all(listeners.map((pid) => waitForExit(pid)));
}

/** SIGKILL a fixture's listener and every session under it: its clients' connections drop. */
export async function killHost(host: SshFixtureHost): Promise<void> {
  const pids = sshdProcesses(host);
  signalAll(pids, 'SIGKILL');
  if (pids[0] !== undefined) await waitForExit(pids[0]);
}

/** SIGSTOP a fixture's sshd processes: connections stay up and nothing answers (an unreachable host). */
export function pauseHost(host: SshFixtureHost): void {
  signalAll(sshdProcesses(host), 'SIGSTOP');
}

/** SIGCONT what `pauseHost` stopped. */
export function resumeHost(host: SshFixtureHost): void {
  signalAll(sshdProcesses(host), 'SIGCONT');
}

/** Starts a stopped or killed fixture again, with the same config and host key. */
export async function restartHost(host: SshFixtureHost): Promise<void> {
  await stopHost(host);
  await launch(host);
}

export interface ExtraSshd {
  readonly host: SshFixtureHost;
  /** A known_hosts file that holds this sshd's key alone (the fixtures' shared file does not). */
  readonly knownHostsFile: string;
  stop(): Promise<void>;
}

/**
 * Starts one more sshd of a test's own (same users and keys as the fixtures, a fresh host key).
 *
 * @example
 * const extra = await startSshd(inject('ssh'), { host: '127.0.0.20' });
 * try { … } finally { await extra.stop(); }
 */
export async function startSshd(
  info: SshFixtureInfo,
  options: {
    host: string;
    port?: number;
    alias?: string;
    /** Lines added to its sshd_config (`SetEnv PATH=…`, say). */
    sshdConfig?: readonly string[];
  },
): Promise<ExtraSshd> {
  const port = options.port ?? (await choosePort([options.host]));
  const host = describeHost(info, options.host, port, options.alias ?? `extra-${options.host}`);
  if (options.sshdConfig) appendFileSync(host.sshdConfigFile, `${options.sshdConfig.join('\n')}\n`);
  await launch(host);
  const knownHostsFile = join(dirname(host.sshdConfigFile), 'known_hosts');
  writeFileSync(knownHostsFile, `${host.knownHostsLine}\n`);
  return { host, knownHostsFile, stop: () => killHost(host) };
}

const OWNER_FILE = 'owner.pid';

/** Stops the sshd fixtures of runs whose process died before its teardown (a killed test run or bench). */
function removeStaleFixtures(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('fanout-sshd-')) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    spawnSync('pkill', ['-KILL', '-f', `${dir}/`]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts `count` sshd fixtures on 127.0.0.2 … and returns what clients need to reach them.
 *
 * @example
 * const fixtures = await startSshFixtures(8);
 * try { await $.ssh({ host: fixtures.info.hosts[0].host, … })`echo hi`; } finally { await fixtures.stop(); }
 */
export async function startSshFixtures(count = 8): Promise<SshFixtures> {
  ensureUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  removeStaleFixtures();
  const dir = mkdtempSync(join(tmpdir(), 'fanout-sshd-'));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  // sshd reads authorized_keys as the logged-in user.
  chmodSync(dir, 0o755);
  const keys = {
    identityFile: join(dir, 'id_ed25519'),
    encryptedIdentityFile: join(dir, 'id_ed25519_encrypted'),
    agentIdentityFile: join(dir, 'id_ed25519_agent'),
  };
  const passphrase = 'correct horse battery staple';
  const authorized = [
    generateKey(keys.identityFile),
    generateKey(keys.encryptedIdentityFile, passphrase),
    generateKey(keys.agentIdentityFile),
  ];
  const authorizedKeysFile = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeysFile, `${authorized.join('\n')}\n`, { mode: 0o644 });
  const base = { dir, authorizedKeysFile, user: FIXTURE_USER };
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
  const port = await choosePort(addresses);
  const hosts = addresses.map((address, i) => describeHost(base, address, port, `fanout-${i + 1}`));
  await Promise.all(hosts.map((host) => launch(host)));

  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `${hosts.map((host) => host.knownHostsLine).join('\n')}\n`);
  const configFile = join(dir, 'ssh_config');
  writeFileSync(
    configFile,
    formatSshConfig(hosts, { user: FIXTURE_USER, identityFile: keys.identityFile, knownHostsFile }),
  );
  const info: SshFixtureInfo = {
    ...base,
    hosts,
    ...keys,
    passphrase,
    knownHostsFile,
    configFile,
  };
  return {
    info,
    async stop() {
      await Promise.all(hosts.map(killHost));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
