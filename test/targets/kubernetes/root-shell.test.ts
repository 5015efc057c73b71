import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $, resolveTarget } from '../../../src/index.js';
import { createKubeconfigDir, type KubeconfigDir } from '../../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../../support/kube-peer.js';

let peer: KubePeer;
let dir: KubeconfigDir;
let previous: string | undefined;

beforeAll(async () => {
  dir = createKubeconfigDir();
  peer = await startKubePeer({ pods: { 'shop/web': { containers: ['app'] } }, token: 't' });
  previous = process.env.KUBECONFIG;
  process.env.KUBECONFIG = dir.write(
    'config',
    [{ name: 'peer', server: peer.url, ca: peer.ca, token: 't', namespace: 'shop' }],
    'peer',
  );
});

afterAll(async () => {
  if (previous === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = previous;
  await peer?.close();
  dir?.remove();
});

describe('$.k8s and k8s:// URIs against a local peer speaking the exec channel protocol (not a cluster)', () => {
  it('runs a command through $.k8s with the kubeconfig from KUBECONFIG', async () => {
    const result = await $.k8s('shop/web:app')`echo ${'hello pod'}`;
    expect(result).toMatchObject({ stdout: 'hello pod\n', ok: true, target: 'k8s://shop/web/app' });
  });

  it('resolves a k8s:// URI to the same kind of target', async () => {
    const target = resolveTarget('k8s://shop/web/app');
    expect(target.id).toBe('k8s://shop/web/app');
    await target.dispose();
  });
});
