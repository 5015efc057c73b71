import { execFile, execFileSync } from 'node:child_process';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { createKubeconfigDir } from '../support/kube-config.js';
import { startKubePeer } from '../support/kube-peer.js';
import { ownedScratch, scratch } from './tree.js';
import '../support/docker-context.js';

const GIB = 1024 ** 3;
const LIMIT = 150 * 1024 * 1024;
const PULL_BYTES = 512 * 1024 * 1024;
/**
 * For a pull from a pod: the Kubernetes client alone peaks near 120 MB; a pull that buffered what the
 * slow reader has not taken yet peaks above 500 MB.
 */
const POD_LIMIT = 250 * 1024 * 1024;
const dist = join(import.meta.dirname, '../../dist/index.js');

/**
 * Pushes a sparse 1 GiB file (nothing to read from disk) to `remotePath` on the target the child builds,
 * pulls it back into a stream that drops the bytes, and reports the child's peak RSS.
 */
const CHILD = `
import { closeSync, openSync, ftruncateSync } from 'node:fs';
import { Writable } from 'node:stream';
const fanout = await import(process.env.FANOUT_DIST);
const job = JSON.parse(process.env.FANOUT_JOB);
const target =
  job.kind === 'local' ? fanout.localTarget
  : job.kind === 'ssh' ? fanout.createSshTarget(job.options)
  : fanout.createDockerTarget(job.options);
const fd = openSync(job.source, 'w');
ftruncateSync(fd, ${GIB});
closeSync(fd);
const up = await fanout.upload(target, job.source, job.remotePath, { mkdirs: true });
let received = 0;
const sink = new Writable({ write(chunk, _encoding, callback) { received += chunk.length; callback(); } });
await fanout.download(target, job.remotePath, sink);
await fanout.closeSshConnections();
console.log(JSON.stringify({ sent: up.bytes, received, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

async function runChild(job: {
  kind: 'local' | 'ssh' | 'docker';
  options?: object;
  source: string;
  remotePath: string;
}): Promise<{ sent: number; received: number; maxRss: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, FANOUT_DIST: dist, FANOUT_JOB: JSON.stringify(job) },
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { sent: number; received: number; maxRss: number };
}

/**
 * Pulls \`job.remotePath\` from a pod of the protocol peer (whose files are this machine's) into a stream that
 * takes \`job.bytesPerSecond\`: a reader slower than the pod sends. Reports the child's peak RSS.
 */
const PULL_CHILD = `
import { Writable } from 'node:stream';
const fanout = await import(process.env.FANOUT_DIST);
const job = JSON.parse(process.env.FANOUT_JOB);
const target = fanout.createKubernetesTarget(job.options);
const started = performance.now();
let received = 0;
const sink = new Writable({
  highWaterMark: 1024 * 1024,
  write(chunk, _encoding, callback) {
    received += chunk.length;
    const due = started + (received / job.bytesPerSecond) * 1000;
    setTimeout(callback, Math.max(0, due - performance.now()));
  },
});
await fanout.download(target, job.remotePath, sink);
console.log(JSON.stringify({ received, maxRss: process.resourceUsage().maxRSS * 1024 }));
`;

async function runPullChild(job: {
  options: object;
  remotePath: string;
  bytesPerSecond: number;
}): Promise<{ received: number; maxRss: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PULL_CHILD], {
    env: { ...process.env, FANOUT_DIST: dist, FANOUT_JOB: JSON.stringify(job) },
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { received: number; maxRss: number };
}

const removals: Array<() => void> = [];
afterAll(() => {
  for (const remove of removals) remove();
});

describe('transfers stream with bounded memory', { timeout: 300_000 }, () => {
  it('a 1 GiB file goes to and comes back from the local target in under 150 MB of RSS', async () => {
    const dir = scratch();
    removals.push(() => rmSync(dir, { recursive: true, force: true }));
    const result = await runChild({
      kind: 'local',
      source: join(dir, 'source'),
      remotePath: join(dir, 'copy/big'),
    });
    rmSync(dir, { recursive: true, force: true });
    expect(result).toMatchObject({ sent: GIB, received: GIB });
    expect(result.maxRss, `peak RSS ${Math.round(result.maxRss / 1e6)} MB`).toBeLessThan(LIMIT);
  });

  it('a 1 GiB file goes to and comes back from an SSH host (SFTP) in under 150 MB of RSS', async () => {
    const host = fixtures().hosts[2]!;
    const dir = scratch();
    const remote = ownedScratch(host.user);
    removals.push(() => rmSync(dir, { recursive: true, force: true }));
    removals.push(() => rmSync(remote, { recursive: true, force: true }));
    const result = await runChild({
      kind: 'ssh',
      options: optionsFor(host),
      source: join(dir, 'source'),
      remotePath: join(remote, 'big'),
    });
    rmSync(remote, { recursive: true, force: true });
    expect(result).toMatchObject({ sent: GIB, received: GIB });
    expect(result.maxRss, `peak RSS ${Math.round(result.maxRss / 1e6)} MB`).toBeLessThan(LIMIT);
  });

  it('a 1 GiB file goes to and comes back from a Docker container in under 150 MB of RSS', async () => {
    const { containers, socketPath } = inject('docker');
    const container = containers[3]!;
    const dir = scratch();
    const remote = `/tmp/memory-${process.pid}`;
    const removeRemote = (): void =>
      void execFileSync('docker', ['-H', `unix://${socketPath}`, 'exec', container, 'rm', '-rf', remote]);
    removals.push(() => rmSync(dir, { recursive: true, force: true }));
    removals.push(removeRemote);
    const result = await runChild({
      kind: 'docker',
      options: { container, socketPath },
      source: join(dir, 'source'),
      remotePath: `${remote}/big`,
    });
    removeRemote();
    expect(result).toMatchObject({ sent: GIB, received: GIB });
    expect(result.maxRss, `peak RSS ${Math.round(result.maxRss / 1e6)} MB`).toBeLessThan(LIMIT);
  });

  it('a 512 MiB file comes back from a pod (tar over exec) to a slow reader in under 250 MB of RSS', async () => {
    const peer = await startKubePeer({ pods: { 'shop/web': { containers: ['app'] } }, token: 'peer-token' });
    const kubeconfigs = createKubeconfigDir();
    const dir = scratch();
    removals.push(() => rmSync(dir, { recursive: true, force: true }));
    try {
      const kubeconfig = kubeconfigs.write(
        'config',
        [{ name: 'peer', server: peer.url, ca: peer.ca, token: 'peer-token', namespace: 'shop' }],
        'peer',
      );
      // The peer's pod runs its commands on this machine: the file is made in place, sparse.
      const remotePath = join(dir, 'big');
      writeFileSync(remotePath, '');
      truncateSync(remotePath, PULL_BYTES);
      const result = await runPullChild({
        options: { pod: 'web', container: 'app', kubeconfig },
        remotePath,
        bytesPerSecond: 32 * 1024 * 1024,
      });
      expect(result).toMatchObject({ received: PULL_BYTES });
      expect(result.maxRss, `peak RSS ${Math.round(result.maxRss / 1e6)} MB`).toBeLessThan(POD_LIMIT);
    } finally {
      kubeconfigs.remove();
      await peer.close();
    }
  });
});
