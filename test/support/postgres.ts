import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server started for one test file. */
export interface PostgresFixture {
  /** `postgres://fanout:<password>@127.0.0.1:<port>/fanout` */
  readonly url: string;
  readonly password: string;
  readonly port: number;
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port. */
  restart(options?: { readonly downMs?: number }): Promise<void>;
  /** Stops the server and removes its data directory. */
  stop(): void;
  /** CPU seconds the server has used so far: the postmaster, its live processes and those it reaped. */
  cpuSeconds(): number;
}

const USER = 'postgres';

/** The newest installed server binaries: /usr/lib/postgresql/<version>/bin. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/ensure-system.sh',
    );
  }
  return join(root, versions[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as the unprivileged `postgres` user (initdb refuses root). */
function asPostgres(bin: string, args: readonly string[]): void {
  const command = process.getuid?.() === 0 ? 'runuser' : bin;
  const argv = process.getuid?.() === 0 ? ['-u', USER, '--', bin, ...args] : [...args];
  execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** More server settings, `name=value` each (e.g. `shared_preload_libraries=pg_stat_statements`). Default: none. */
  readonly settings?: readonly string[];
}

/**
 * Starts a real PostgreSQL for a test file: `initdb` into a temporary directory (as the `postgres` user
 * when running as root), password authentication over a free loopback port, durability settings off for
 * speed. Call `stop()` in `afterAll`.
 *
 * @example
 * const pg = await startPostgres();
 * afterAll(() => pg.stop());
 */
export async function startPostgres(startOptions: PostgresOptions = {}): Promise<PostgresFixture> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'fanout-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds(USER);
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  chmodSync(dir, 0o700);
  asPostgres(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'fanout',
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    ...(startOptions.settings ?? []).map((setting) => `-c ${setting}`),
  ].join(' ');
  const start = (): void =>
    asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const stopServer = (): void => {
    try {
      asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  };
  start();
  asPostgres(join(bin, 'createdb'), ['-h', dir, '-p', String(port), '-U', 'fanout', 'fanout']);
  return {
    url: `postgres://fanout:${password}@127.0.0.1:${port}/fanout`,
    password,
    port,
    async restart(restartOptions = {}) {
      stopServer();
      await new Promise((resolve) => setTimeout(resolve, restartOptions.downMs ?? 0));
      start();
    },
    stop() {
      stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
    cpuSeconds() {
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      let ticks = processTicks(postmaster, true);
      for (const name of readdirSync('/proc')) {
        if (/^\d+$/.test(name) && processStat(Number(name))?.[1] === postmaster)
          ticks += processTicks(Number(name), false);
      }
      return ticks / CLOCK_TICKS;
    },
  };
}

/** Kernel clock ticks per second (USER_HZ), the unit of /proc/PID/stat times on Linux. */
const CLOCK_TICKS = 100;

/** Fields of /proc/PID/stat after the command name (field 3 onward), or undefined once it is gone. */
function processStat(pid: number): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, plus cutime + cstime (its reaped children) when asked. */
function processTicks(pid: number, reaped: boolean): number {
  const fields = processStat(pid);
  if (!fields) return 0;
  const [utime, stime, cutime, cstime] = fields.slice(11, 15) as [number, number, number, number];
  return utime + stime + (reaped ? cutime + cstime : 0);
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
