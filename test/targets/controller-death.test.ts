import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCli } from '../support/cli.js';
import { processesIn } from '../support/docker.js';
import '../support/docker-context.js';
import { createKubeconfigDir, type KubeconfigDir } from '../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../support/kube-peer.js';
import { killMatching, processesMatching, survivorsOf, uniqueSleep, waitFor } from '../support/processes.js';
import '../support/sshd-context.js';

/** How long the killed controller's commands may outlive it. */
const WITHIN_MS = 5000;

const children = new Set<ChildProcess>();
const markers: string[] = [];

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  // Leave nothing behind even when an assertion failed (only this file's own markers).
  for (const marker of markers.splice(0)) killMatching(marker);
});

/**
 * Starts test/targets/controller-child.ts, which runs `command` on a target of `kind` and then idles, and
 * resolves once it says so.
 */
async function startController(
  kind: string,
  options: object,
  command: string,
  input?: string,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/targets/controller-child.ts',
      kind,
      JSON.stringify(options),
      command,
      ...(input === undefined ? [] : [input]),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the controller exited with ${code}`)));
  });
  return child;
}

/** SIGKILLs `child` and waits for its exit. */
async function killController(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

/** A command that forks: two sleeps carrying `marker`, and the shell waiting on them. */
const forking = (command: string) => `${command} & ${command}; wait`;

/** How a remote command runs: on a session agent, or on an exec of its own (sessions off, or with input). */
const EXECS = [
  ['a session agent', {}, undefined],
  ['its own exec (sessions off)', { session: false }, undefined],
  ['its own exec (with input)', {}, 'input\n'],
] as const;

describe('controller SIGKILL on this machine', () => {
  it.each([true, false])('leaves no process of a `$` command (session agents: %s)', async (session) => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const child = await startController('local', { session }, forking(command));
    await waitFor(() => processesMatching(marker).length >= 2, 20_000, 'the command to start');
    await killController(child);
    expect(await survivorsOf(marker, WITHIN_MS)).toEqual([]);
  });

  it('leaves no process of a fleet job run by the CLI', async () => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const { child } = startCli([
      'jobs',
      'local',
      '-j',
      '2',
      '--progress',
      'none',
      '--',
      `${forking(command)}; echo {}`,
      ':::',
      '1',
      '2',
    ]);
    children.add(child);
    await waitFor(() => processesMatching(marker).length >= 2, 20_000, 'the job to start');
    await killController(child);
    expect(await survivorsOf(marker, WITHIN_MS)).toEqual([]);
  });
});

describe('controller SIGKILL over SSH', () => {
  const ssh = inject('ssh');
  const optionsFor = (index: number, user: string) => {
    const host = ssh.hosts[index]!;
    return {
      host: host.host,
      port: host.port,
      user,
      identityFile: ssh.identityFile,
      knownHostsFile: ssh.knownHostsFile,
      configFile: false,
      agent: false,
    };
  };

  it.each(
    [
      ['a non-root login', 6, ssh.user],
      ['a root login', 7, 'root'],
    ].flatMap(([login, index, user]) =>
      EXECS.map(([how, extra, input]) => [login, how, index, user, extra, input]),
    ),
  )('leaves no process of a command on %s run on %s', async (_, __, index, user, extra, input) => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const options = { ...optionsFor(index as number, user as string), ...(extra as object) };
    const child = await startController('ssh', options, forking(command), input as string | undefined);
    await waitFor(() => processesMatching(marker).length >= 2, 20_000, 'the command to start');
    await killController(child);
    expect(await survivorsOf(marker, WITHIN_MS)).toEqual([]);
  });
});

describe('controller SIGKILL in a Docker container', () => {
  const { containers, socketPath } = inject('docker');
  const container = containers[3]!;
  const inContainer = async (marker: string) =>
    (await processesIn(container, socketPath)).filter((line) => line.includes(marker));

  it.each(EXECS)('leaves no process in the container of a command run on %s', async (_, extra, input) => {
    const { command, marker } = uniqueSleep();
    const options = { container, socketPath, ...extra };
    const child = await startController('docker', options, forking(command), input);
    const deadline = Date.now() + 20_000;
    while ((await inContainer(marker)).length < 2) {
      if (Date.now() > deadline) throw new Error('the command did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await killController(child);
    const until = Date.now() + WITHIN_MS;
    let left = await inContainer(marker);
    while (left.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = await inContainer(marker);
    }
    expect(left).toEqual([]);
  });
});

describe('controller SIGKILL against the Kubernetes protocol peer', () => {
  let peer: KubePeer;
  let dir: KubeconfigDir;
  beforeAll(async () => {
    dir = createKubeconfigDir();
    peer = await startKubePeer({ pods: { 'shop/web': { containers: ['app'] } } });
  });
  afterAll(async () => {
    await peer?.close();
    dir?.remove();
  });

  it('leaves no process of a command the peer ran for an agent', async () => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const kubeconfig = dir.write('config', [
      { name: 'peer', server: peer.url, ca: peer.ca, namespace: 'shop' },
    ]);
    const options = { pod: 'web', container: 'app', kubeconfig, context: 'peer' };
    const child = await startController('k8s', options, forking(command));
    await waitFor(() => processesMatching(marker).length >= 2, 20_000, 'the command to start');
    await killController(child);
    expect(await survivorsOf(marker, WITHIN_MS)).toEqual([]);
  });
});
