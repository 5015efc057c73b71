/**
 * Docker fixtures: a real dockerd, a busybox test image and running containers. Usable from vitest (the
 * global set-up in docker-setup.ts) and from plain scripts (benchmarks, CLI end-to-end tests).
 *
 * Contract:
 * - `inject('docker')` in tests gives a DockerFixtureInfo (docker-context.ts):
 *   `{ image: 'fanout-test/busybox:2', containers: string[] (4 running containers), socketPath: string,
 *      startedDaemon: boolean }`.
 * - `ensureDockerDaemon()` → `{ socketPath, started, stop() }`: pings the daemon (socketPath, else DOCKER_HOST
 *   `unix://…`, else /var/run/docker.sock) and starts `dockerd` (log: /tmp/fanout-dockerd.log) when none
 *   answers on the default socket. `stop()` stops it only if this call started it and no other fixture
 *   containers (label `dev.fanout.fixture`) remain.
 * - `ensureTestImage(socketPath?)` → image name; built once with `docker import` from /bin/busybox plus
 *   applet links (sh, cat, sleep, kill, ps, setsid, sha256sum, seq, yes, head, …), /etc/passwd with
 *   `root` and `nobody`, a 1777 /tmp. PATH=/bin.
 * - `startContainers(n, prefix, socketPath?)` → names `${prefix}-1` … `${prefix}-n`, running `sleep` under
 *   docker-init (reaps orphans), labelled `dev.fanout.fixture=<pid of the creating process>`; same-named
 *   leftovers, and fixture containers whose creating process has died, are removed first.
 * - `removeOrphanedContainers(socketPath?)`: that clean-up on its own.
 * - `removeContainers(names, socketPath?)`: force-removes them; missing ones are fine.
 * - `dockerExec(container, argv, socketPath?)` → stdout of `docker exec` (the docker CLI, independent of
 *   the code under test); `processesIn(container)` → the container's live processes (`ps`, zombies left out).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile, copyFile, chmod } from 'node:fs/promises';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);

export const TEST_IMAGE = 'fanout-test/busybox:2';
export const FIXTURE_LABEL = 'dev.fanout.fixture';
export const DEFAULT_SOCKET = '/var/run/docker.sock';
const DOCKERD_LOG = join(tmpdir(), 'fanout-dockerd.log');
const APPLETS = (
  'sh echo cat sleep kill ps setsid head tail sha256sum seq yes id whoami pwd env printf true false ls grep ' +
  'wc tr dd mkdir rm touch sed awk cut sort xargs test timeout uname hostname date base64 od mv find stat tar'
).split(' ');

/** What the global set-up provides to tests as `inject('docker')`. */
export interface DockerFixtureInfo {
  readonly image: string;
  /** Names of running containers of `image`. */
  readonly containers: string[];
  readonly socketPath: string;
  /** True when the set-up started dockerd itself. */
  readonly startedDaemon: boolean;
}

export interface DockerDaemon {
  readonly socketPath: string;
  readonly started: boolean;
  stop(): Promise<void>;
}

/** The socket the fixtures use: DOCKER_HOST when it is `unix://…`, else the default. */
export function fixtureSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : DEFAULT_SOCKET;
}

export function dockerClient(socketPath = fixtureSocketPath()): Docker {
  return new Docker({ socketPath });
}

async function answers(client: Docker): Promise<boolean> {
  try {
    await Promise.race([client.ping(), new Promise((_, reject) => setTimeout(reject, 3000))]);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pings the daemon; starts dockerd when nothing answers on the default socket. */
export async function ensureDockerDaemon(socketPath = fixtureSocketPath()): Promise<DockerDaemon> {
  const client = dockerClient(socketPath);
  if (await answers(client)) return { socketPath, started: false, stop: async () => {} };
  if (socketPath !== DEFAULT_SOCKET) throw new Error(`No Docker daemon answers on ${socketPath}`);
  const log = openSync(DOCKERD_LOG, 'a');
  // --iptables=false: the containers need no network, and the host's firewall is left alone.
  const child = spawn('dockerd', ['--iptables=false', '--ip-masq=false'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + 60_000;
  while (!(await answers(client))) {
    if (Date.now() > deadline) {
      const tail = readFileSync(DOCKERD_LOG, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`dockerd did not answer on ${socketPath} within 60 s; ${DOCKERD_LOG}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Another suite may have started the daemon at the same moment: then ours exited and theirs answers.
  const started = alive(pid);
  return {
    socketPath,
    started,
    async stop() {
      if (!started || !alive(pid)) return;
      const others = await client.listContainers({ all: true, filters: { label: [FIXTURE_LABEL] } });
      if (others.length > 0) return;
      process.kill(pid, 'SIGTERM');
      for (let waited = 0; alive(pid) && waited < 30_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** Builds the busybox test image with `docker import` unless the daemon has it already. */
export async function ensureTestImage(socketPath = fixtureSocketPath()): Promise<string> {
  const client = dockerClient(socketPath);
  try {
    await client.getImage(TEST_IMAGE).inspect();
    return TEST_IMAGE;
  } catch {
    // Not built yet.
  }
  const root = await mkdtemp(join(tmpdir(), 'fanout-rootfs-'));
  try {
    for (const dir of ['bin', 'etc', 'tmp', 'root']) await mkdir(join(root, dir));
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
    await writeFile(
      join(root, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n',
    );
    await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tarball = join(root, '..', `${root.split('/').pop()}.tar`);
    await run('tar', ['-C', root, '-cf', tarball, '.']);
    try {
      await run('docker', [
        '-H',
        `unix://${socketPath}`,
        'import',
        '-c',
        'ENV PATH=/bin',
        tarball,
        TEST_IMAGE,
      ]);
    } finally {
      await rm(tarball, { force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return TEST_IMAGE;
}

/** Removes fixture containers left behind by test runs whose process has gone (killed before teardown). */
export async function removeOrphanedContainers(socketPath = fixtureSocketPath()): Promise<void> {
  const listed = await dockerClient(socketPath).listContainers({
    all: true,
    filters: { label: [FIXTURE_LABEL] },
  });
  const orphans = listed.filter((container) => !alive(Number(container.Labels[FIXTURE_LABEL])));
  await removeContainers(
    orphans.map((container) => container.Id),
    socketPath,
  );
}

/** Starts `n` containers of the test image, named `${prefix}-1` … `${prefix}-n`. */
export async function startContainers(
  n: number,
  prefix: string,
  socketPath = fixtureSocketPath(),
): Promise<string[]> {
  const client = dockerClient(socketPath);
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
  await removeContainers(names, socketPath);
  await removeOrphanedContainers(socketPath);
  await Promise.all(
    names.map(async (name) => {
      const container = await client.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '86400'],
        Labels: { [FIXTURE_LABEL]: String(process.pid) },
        HostConfig: { Init: true },
      });
      await container.start();
    }),
  );
  return names;
}

/** Force-removes containers; those already gone are fine. */
export async function removeContainers(
  names: readonly string[],
  socketPath = fixtureSocketPath(),
): Promise<void> {
  const client = dockerClient(socketPath);
  await Promise.all(
    names.map((name) =>
      client
        .getContainer(name)
        .remove({ force: true })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error;
        }),
    ),
  );
}

/** Runs `argv` in a container with the docker CLI (not the code under test); returns its stdout. */
export async function dockerExec(
  container: string,
  argv: readonly string[],
  socketPath = fixtureSocketPath(),
): Promise<string> {
  const { stdout } = await run('docker', ['-H', `unix://${socketPath}`, 'exec', container, ...argv]);
  return stdout;
}

/** The live processes of a container as `ps` prints them (`pid stat args`), zombies and `ps` left out. */
export async function processesIn(container: string, socketPath = fixtureSocketPath()): Promise<string[]> {
  const out = await dockerExec(container, ['ps', '-o', 'pid,stat,args'], socketPath);
  return out
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\d+\s+Z/.test(line) && !/\sps -o /.test(line));
}
