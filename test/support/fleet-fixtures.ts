/**
 * Fleets of up to 256 (and more) real sshd fixtures, each behind its own fault-injecting proxy.
 *
 * ## Contract
 *
 * `startFleet(info, { count, subnet, link })` uses the users and keys of `info` (the suite's
 * `inject('ssh')`, or `startSshFixtures(0).info` outside vitest) and starts, concurrently:
 * - `count` sshd on `127.<subnet>.x.y` (host i, 0-based: x = ⌊i / 250⌋, y = i mod 250 + 1), one port for all
 *   (2222 or the next free one), sharing one host key so that start-up costs one `ssh-keygen`. Default subnet
 *   1, well away from the suite's 8 hosts on 127.0.0.2–9; give each concurrent user its own subnet.
 * - one `FaultProxy` per host on `127.<subnet + 1>.x.y` (same x.y), an ephemeral port, shaped by `link` in
 *   both directions (default: no delay). Clients go through the proxy; `host.sshd` is still reachable directly.
 *
 * `fleet.hosts[i]`: `{ name: 'f1' …, address, port (the proxy's), uri: 'ssh://fanout-test@127.2.0.1:40123',
 * sshd (an SshFixtureHost: stopHost, killHost, pauseHost, resumeHost, restartHost from sshd.ts work on it),
 * proxy (shape, fault) }`.
 * `fleet.knownHostsFile` holds a line for every proxy and every sshd address; `fleet.configFile` is an
 * ssh_config with `Host f1 … fN` aliases through the proxies (OpenSSH, pssh, pdsh, ansible read it);
 * `fleet.inventory(options)` writes a fanout inventory of them. `fleet.kill/pause/restart(hosts)` are the
 * host faults of sshd.ts without a synchronous `ps` (which would stall every proxy: they share the test's
 * event loop). `fleet.heal()` clears every fault, resumes paused hosts and restarts dead ones; `fleet.stop()` kills every sshd (and everything under them) and
 * closes the proxies.
 *
 * @example
 * const fleet = await startFleet(inject('ssh'), { count: 64, link: { delayMs: 20, jitterMs: 5 } });
 * try { fleet.hosts[0].proxy.fault({ kind: 'blackhole' }); … } finally { await fleet.stop(); }
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startFaultProxy, type FaultProxy, type LinkShape } from './fault-proxy.js';
import {
  choosePort,
  describeHost,
  formatSshConfig,
  generateHostKey,
  killHosts,
  launch,
  type SshFixtureHost,
  type SshFixtureInfo,
} from './sshd.js';

/** Hundreds of sshd starting at once on a loaded 2-core machine take a while. */
const START_TIMEOUT_MS = 60_000;

export interface FleetHost {
  /** `f1` … `fN`: its alias in `configFile` and its name in `inventory()`. */
  readonly name: string;
  /** The proxy's address and port: where clients connect. */
  readonly address: string;
  readonly port: number;
  readonly uri: string;
  readonly sshd: SshFixtureHost;
  readonly proxy: FaultProxy;
}

export interface Fleet {
  readonly hosts: readonly FleetHost[];
  readonly knownHostsFile: string;
  readonly configFile: string;
  readonly identityFile: string;
  readonly user: string;
  /** Writes an inventory of the fleet (targets f1 … fN, through the proxies) into `dir`; returns its path. */
  inventory(dir: string, ssh?: Readonly<Record<string, string | number>>): string;
  /**
   * Host faults that never block the event loop (the proxies share it): SIGKILL the hosts' sshd and their
   * sessions (connections drop), SIGSTOP them (nothing answers), or kill and start them again.
   */
  kill(hosts: readonly FleetHost[]): Promise<void>;
  pause(hosts: readonly FleetHost[]): Promise<void>;
  restart(hosts: readonly FleetHost[]): Promise<void>;
  heal(): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  readonly count: number;
  /** The second octet of the sshd addresses; the proxies use the next one. Default: 1. */
  readonly subnet?: number;
  /** Shape of both directions of every proxy. Default: no delay. */
  readonly link?: LinkShape;
}

/** The address of host `index` (0-based) in `127.<subnet>.0.0/16`. */
export function fleetAddress(subnet: number, index: number): string {
  return `127.${subnet}.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/**
 * Starts `count` sshd fixtures behind fault proxies; see the module comment.
 *
 * @example
 * const fleet = await startFleet(info, { count: 256, subnet: 3, link: { delayMs: 20, jitterMs: 5 } });
 */
export async function startFleet(info: SshFixtureInfo, options: FleetOptions): Promise<Fleet> {
  const subnet = options.subnet ?? 1;
  const addresses = Array.from({ length: options.count }, (_, i) => fleetAddress(subnet, i));
  const port = await choosePort(addresses);
  const sharedKey = generateHostKey(info.dir, `fleet-${subnet}_host_ed25519_key`);
  const sshds = addresses.map((address, i) => describeHost(info, address, port, `f${i + 1}`, sharedKey));
  const proxies: FaultProxy[] = [];
  try {
    await Promise.all(sshds.map((sshd) => launch(sshd, START_TIMEOUT_MS)));
    proxies.push(
      ...(await Promise.all(
        sshds.map((sshd, i) =>
          startFaultProxy({
            listen: { host: fleetAddress(subnet + 1, i) },
            upstream: { host: sshd.host, port: sshd.port },
            up: options.link,
            down: options.link,
          }),
        ),
      )),
    );
  } catch (error) {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await killHosts(sshds);
    throw error;
  }
  const hosts: FleetHost[] = sshds.map((sshd, i) => {
    const proxy = proxies[i]!;
    return {
      name: sshd.alias,
      address: proxy.host,
      port: proxy.port,
      uri: `ssh://${info.user}@${proxy.host}:${proxy.port}`,
      sshd,
      proxy,
    };
  });

  const knownHostsFile = join(info.dir, `fleet-${subnet}_known_hosts`);
  writeFileSync(
    knownHostsFile,
    hosts
      .flatMap((host) => [`[${host.address}]:${host.port} ${sharedKey.publicKey}`, host.sshd.knownHostsLine])
      .join('\n') + '\n',
  );
  const configFile = join(info.dir, `fleet-${subnet}_ssh_config`);
  writeFileSync(
    configFile,
    formatSshConfig(
      hosts.map((host) => ({ alias: host.name, host: host.address, port: host.port })),
      { user: info.user, identityFile: info.identityFile, knownHostsFile },
    ),
  );

  const kill = async (some: readonly FleetHost[]): Promise<void> => {
    const pids = await sshdProcesses(some);
    signal(pids, 'SIGKILL');
    for (const pid of pids) while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  return {
    hosts,
    knownHostsFile,
    configFile,
    identityFile: info.identityFile,
    user: info.user,
    inventory(dir, ssh = {}) {
      const file = join(dir, 'fleet.yaml');
      const settings = {
        user: info.user,
        identityFile: info.identityFile,
        knownHostsFile,
        configFile: false,
        ...ssh,
      };
      writeFileSync(
        file,
        [
          'defaults:',
          '  ssh:',
          ...Object.entries(settings).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`),
          'targets:',
          ...hosts.map((host) => `  ${host.name}: ssh://${host.address}:${host.port}`),
          '',
        ].join('\n'),
      );
      return file;
    },
    kill,
    async pause(some) {
      signal(await sshdProcesses(some), 'SIGSTOP');
    },
    async restart(some) {
      await kill(some);
      await Promise.all(some.map((host) => launch(host.sshd, START_TIMEOUT_MS)));
    },
    async heal() {
      for (const host of hosts) {
        host.proxy.fault({ kind: 'none' });
        host.proxy.shape({ up: options.link ?? {}, down: options.link ?? {} });
      }
      signal(await sshdProcesses(hosts), 'SIGCONT');
      const dead = hosts.filter((host) => !isAlive(listenerOf(host)));
      await Promise.all(dead.map((host) => launch(host.sshd, START_TIMEOUT_MS)));
    },
    async stop() {
      await Promise.all(proxies.map((proxy) => proxy.close()));
      await killHosts(sshds);
    },
  };
}

const execFileAsync = promisify(execFile);

function listenerOf(host: FleetHost): number {
  try {
    return Number(readFileSync(host.sshd.pidFile, 'utf8').trim()) || host.sshd.pid;
  } catch {
    return host.sshd.pid;
  }
}

/**
 * The hosts' sshd listeners and the sshd session processes under them, from one asynchronous `ps`. The
 * listeners are stopped first, so that none forks a session after the listing (a session left out would
 * survive a kill or a pause); the caller's signal decides what happens next (SIGCONT resumes them).
 */
async function sshdProcesses(hosts: readonly FleetHost[]): Promise<number[]> {
  const listeners = hosts.map(listenerOf).filter(isAlive);
  signal(listeners, 'SIGSTOP');
  const { stdout } = await execFileAsync('ps', ['-e', '-o', 'pid=,ppid=,comm=']);
  const children = new Map<number, { pid: number; comm: string }[]>();
  for (const line of stdout.split('\n')) {
    const [pid, ppid, comm] = line.trim().split(/\s+/);
    if (!comm) continue;
    const list = children.get(Number(ppid)) ?? [];
    list.push({ pid: Number(pid), comm });
    children.set(Number(ppid), list);
  }
  const found = [...listeners];
  const stack = [...listeners];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (child.comm !== 'sshd') continue;
      found.push(child.pid);
      stack.push(child.pid);
    }
  }
  return found;
}

function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Gone already.
    }
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
