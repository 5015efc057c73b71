import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesTarget } from '../../src/targets/kubernetes/index.js';
import type { Target } from '../../src/targets/target.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { createKubeconfigDir, type KubeconfigDir } from '../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../support/kube-peer.js';
import { waitFor } from '../support/processes.js';
import { cutUpload } from './cut.js';
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

  it('a connection cut mid-tree leaves nothing under the final name, and the pod removes the staged tree itself (protocol peer)', async () => {
    const proxy = await startFaultProxy({
      listen: { host: '127.0.0.1' },
      upstream: { host: '127.0.0.1', port: Number(new URL(peer.url).port) },
    });
    try {
      const kubeconfig = dir.write(
        'cut',
        [{ name: 'cut', server: `https://127.0.0.1:${proxy.port}`, ca: peer.ca, token: 'peer-token' }],
        'cut',
      );
      const cutPod = createKubernetesTarget({ pod: 'web', namespace: 'shop', container: 'app', kubeconfig });
      const source = scratch();
      makeTree(source);
      writeFileSync(join(source, 'sub/middle.bin'), Buffer.alloc(32 * 1024 * 1024, 4));
      const parent = scratch();
      // Out of reach until the upload has failed: it cannot clean up through the API itself.
      const error = await cutUpload(cutPod, source, join(parent, 'app'), proxy);
      expect(error).toMatchObject({ target: cutPod.id });
      // The API server ended the exec's input: its tar read a short archive, failed, removed its staging.
      await waitFor(() => readdirSync(parent).length === 0, 10_000, 'the staged tree to go');
      await cutPod.dispose();
    } finally {
      await proxy.close();
    }
  });
});
