import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesTarget } from '../../src/targets/kubernetes/index.js';
import type { Target } from '../../src/targets/target.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { createKubeconfigDir, type KubeconfigDir } from '../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../support/kube-peer.js';
import { describeTree, leftovers, makeTree, scratch } from './tree.js';

let peer: KubePeer;
let dir: KubeconfigDir;
let pod: Target;

beforeAll(async () => {
  peer = await startKubePeer({ pods: { 'shop/web': { containers: ['app'] } }, token: 'peer-token' });
  dir = createKubeconfigDir();
  const kubeconfig = dir.write(
    'config',
    [{ name: 'peer', server: peer.url, ca: peer.ca, token: 'peer-token', namespace: 'shop' }],
    'peer',
  );
  pod = createKubernetesTarget({ pod: 'web', container: 'app', kubeconfig });
});

afterAll(async () => {
  await peer?.close();
  dir?.remove();
});

// The peer runs each exec as a local process, so the "pod's" files are on this machine.
describe('transfer to a pod as tar over exec (against the protocol peer, not a cluster)', () => {
  it('uploads and downloads a tree through tar over the exec channel (protocol peer)', async () => {
    const source = scratch();
    makeTree(source);
    const remote = join(scratch(), 'app');
    const execsBefore = peer.execs.length;
    const up = await upload(pod, source, remote, { preserve: true, checksum: true });
    expect(up).toMatchObject({ files: 6, bytes: 70_022 });
    expect(describeTree(remote, true)).toEqual(describeTree(source, true));
    expect(leftovers(remote)).toEqual([]);
    // The archive travelled over the peer's exec channel, on stdin (commands never ride on the exec's argv).
    expect(peer.execs.slice(execsBefore).some((exec) => exec.stdin)).toBe(true);

    const back = join(scratch(), 'back');
    await download(pod, remote, back, { preserve: true, checksum: true });
    expect(describeTree(back, true)).toEqual(describeTree(source, true));
  });

  it('a missing parent fails, naming mkdirs, and mkdirs creates it (protocol peer)', async () => {
    const remote = join(scratch(), 'a/b/file');
    const error = await upload(pod, Buffer.from('x'), remote).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED', target: pod.id });
    expect((error as Error).message).toContain('mkdirs');
    await upload(pod, Buffer.from('x'), remote, { mkdirs: true });
    expect(existsSync(remote)).toBe(true);
  });

  it('fails with SOURCE_NOT_FOUND for a missing path (protocol peer)', async () => {
    await expect(download(pod, '/no/such/path', join(scratch(), 'x'))).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      target: pod.id,
    });
  });
});
