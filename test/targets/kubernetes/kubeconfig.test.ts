import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { createKubernetesTarget } from '../../../src/targets/kubernetes/index.js';
import { resolveKubeConfig, type KubeConfigChoice } from '../../../src/targets/kubernetes/kubeconfig.js';
import { createKubeconfigDir, type KubeconfigDir } from '../../support/kube-config.js';

const target = 'k8s://test';
const contexts = [
  { name: 'east', server: 'https://east.example:6443', namespace: 'shop' },
  { name: 'west', server: 'https://west.example:6443' },
];

let dir: KubeconfigDir;
beforeEach(() => {
  dir = createKubeconfigDir();
});
afterEach(() => dir.remove());

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('resolveKubeConfig from a temp kubeconfig file', () => {
  it('uses the current-context and its namespace by default', () => {
    const kubeconfig = dir.write('config', contexts, 'east');
    const resolved = resolveKubeConfig({ kubeconfig, context: undefined }, target, {});
    expect(resolved).toMatchObject({
      context: 'east',
      namespace: 'shop',
      server: 'https://east.example:6443',
    });
    expect(resolved.config.getCurrentCluster()?.server).toBe('https://east.example:6443');
  });

  it('selects a context by name; a context without a namespace means `default`', () => {
    const kubeconfig = dir.write('config', contexts, 'east');
    const resolved = resolveKubeConfig({ kubeconfig, context: 'west' }, target, {});
    expect(resolved).toMatchObject({
      context: 'west',
      namespace: 'default',
      server: 'https://west.example:6443',
    });
    expect(resolved.config.getCurrentContext()).toBe('west');
  });

  it('reads $KUBECONFIG as a path list: skips missing files, merges the rest, first current-context wins', () => {
    const first = dir.write('first', [contexts[0]!], 'east');
    const second = dir.write('second', [contexts[1]!], 'west');
    const env = { KUBECONFIG: [join(dir.dir, 'missing'), first, second].join(':') };
    expect(resolveKubeConfig({ kubeconfig: undefined, context: undefined }, target, env).context).toBe(
      'east',
    );
    expect(resolveKubeConfig({ kubeconfig: undefined, context: 'west' }, target, env).server).toBe(
      'https://west.example:6443',
    );
  });

  it('falls back to ~/.kube/config under $HOME', () => {
    mkdirSync(join(dir.dir, '.kube'));
    dir.write('.kube/config', contexts, 'west');
    const resolved = resolveKubeConfig({ kubeconfig: undefined, context: undefined }, target, {
      HOME: dir.dir,
    });
    expect(resolved.context).toBe('west');
  });

  it('prefers an explicit file over $KUBECONFIG', () => {
    const explicit = dir.write('explicit', [contexts[1]!], 'west');
    const env = { KUBECONFIG: dir.write('env', [contexts[0]!], 'east') };
    expect(resolveKubeConfig({ kubeconfig: explicit, context: undefined }, target, env).context).toBe('west');
  });

  const fromEnv = { kubeconfig: undefined, context: undefined };
  it.each<[string, () => KubeConfigChoice, () => NodeJS.ProcessEnv]>([
    [
      'an unknown context',
      () => ({ kubeconfig: dir.write('c', contexts, 'east'), context: 'north' }),
      () => ({}),
    ],
    ['no current-context', () => ({ kubeconfig: dir.write('c', contexts), context: undefined }), () => ({})],
    ['a missing file', () => ({ kubeconfig: join(dir.dir, 'nope'), context: undefined }), () => ({})],
    [
      'a file that is not a kubeconfig',
      () => {
        writeFileSync(join(dir.dir, 'bad'), ': : not yaml [');
        return { kubeconfig: join(dir.dir, 'bad'), context: undefined };
      },
      () => ({}),
    ],
    ['no kubeconfig anywhere', () => fromEnv, () => ({ HOME: dir.dir })],
    ['$KUBECONFIG naming only missing files', () => fromEnv, () => ({ KUBECONFIG: join(dir.dir, 'x') })],
    [
      '$KUBECONFIG files naming one context twice (kubectl would keep the first)',
      () => fromEnv,
      () => ({ KUBECONFIG: [dir.write('a', contexts, 'east'), dir.write('b', contexts, 'east')].join(':') }),
    ],
  ])('throws CONFIG_INVALID naming the target for %s', (_name, choice, env) => {
    const error = caught(() => resolveKubeConfig(choice(), target, env()));
    expect(error).toBeInstanceOf(FanoutError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', target });
  });
});

describe('a kubeconfig whose credentials would cross the network in clear', () => {
  const secret = `token-${process.pid}-secret`;
  function kubeconfigWithUser(server: string, user: Record<string, unknown>): string {
    const path = join(dir.dir, 'plain');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'lab',
        clusters: [{ name: 'lab-cluster', cluster: { server } }],
        users: [{ name: 'lab-user', user }],
        contexts: [{ name: 'lab', context: { cluster: 'lab-cluster', user: 'lab-user' } }],
      }),
    );
    return path;
  }

  it.each([
    ['a token', { token: secret }],
    ['basic credentials', { username: 'admin', password: secret }],
  ])('is refused for an http:// server with %s, which the error never shows', (what, user) => {
    const kubeconfig = kubeconfigWithUser('http://10.0.0.1:8080', user);
    const error = caught(() => resolveKubeConfig({ kubeconfig, context: undefined }, target, {}));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', target });
    expect((error as Error).message).toContain(
      `cluster \`lab-cluster\` has a plain http:// server and user \`lab-user\` has ${what}`,
    );
    expect((error as Error).message).not.toContain(secret);
  });

  it('is accepted over https, or over http without credentials', () => {
    for (const [server, user] of [
      ['https://10.0.0.1:6443', { token: secret }],
      ['http://127.0.0.1:8001', {}],
    ] as const) {
      const kubeconfig = kubeconfigWithUser(server, user);
      expect(resolveKubeConfig({ kubeconfig, context: undefined }, target, {}).server).toBe(server);
    }
  });
});

describe('createKubernetesTarget with a temp kubeconfig file', () => {
  it.each([
    ['web:app', 'k8s://shop/web/app'],
    ['ops/web', 'k8s://ops/web'],
    ['k8s://web', 'k8s://shop/web'],
    ['k8s://ops/web/app', 'k8s://ops/web/app'],
    ['k8s://web?context=west', 'k8s://default/web'],
  ])('names %s as %s, the namespace coming from the spec or the context', (spec, id) => {
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = dir.write('config', contexts, 'east');
    try {
      expect(createKubernetesTarget(spec).id).toBe(id);
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
  });

  it('takes the kubeconfig and context from the options object', () => {
    const kubeconfig = dir.write('config', contexts, 'east');
    expect(createKubernetesTarget({ pod: 'web', kubeconfig, context: 'west' }).id).toBe('k8s://default/web');
  });
});
