import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTargets } from '../../src/fleet/create-targets.js';
import { parseInventory } from '../../src/fleet/inventory.js';
import { runOn } from '../../src/fleet/run-on.js';
import { selectTargets } from '../../src/fleet/selection.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import '../support/docker-context.js';
import { createKubeconfigDir, type KubeconfigDir } from '../support/kube-config.js';
import { startKubePeer, type KubePeer } from '../support/kube-peer.js';
import '../support/sshd-context.js';

const TOKEN = 'peer-token';
let peer: KubePeer;
let dir: KubeconfigDir;

beforeAll(async () => {
  dir = createKubeconfigDir();
  peer = await startKubePeer({ pods: { 'shop/web': { containers: ['app', 'sidecar'] } }, token: TOKEN });
});

afterAll(async () => {
  await peer?.close();
  dir?.remove();
});

function membersOf(text: string) {
  return createTargets(selectTargets(parseInventory(text, 'fanout.yaml'), ['web']));
}

describe('createTargets', () => {
  it('applies the Kubernetes inventory keys kubeconfig, context, namespace and container, against the local exec protocol peer (not a cluster)', async () => {
    // The current context has no token and another namespace: only the inventory's keys reach the pod.
    const kubeconfig = dir.write(
      'config',
      [
        { name: 'other', server: peer.url, ca: peer.ca, namespace: 'elsewhere' },
        { name: 'peer', server: peer.url, ca: peer.ca, token: TOKEN },
      ],
      'other',
    );
    const members = membersOf(
      [
        'defaults:',
        '  k8s:',
        `    kubeconfig: ${JSON.stringify(kubeconfig)}`,
        'targets:',
        '  web:',
        '    uri: k8s://web',
        '    context: peer',
        '    namespace: shop',
        '    container: sidecar',
      ].join('\n'),
    );
    expect(members.map((member) => member.target.id)).toEqual(['k8s://shop/web/sidecar']);
    const report = await runOn(members, 'echo hi');
    expect(report.jobs[0]).toMatchObject({ ok: true, stdout: 'hi\n' });
    expect(peer.execs.at(-1)).toMatchObject({ namespace: 'shop', pod: 'web', container: 'sidecar' });
  });

  it('lets the URI win over the defaults and the target keys win over the URI, for every kind', () => {
    const [ssh] = membersOf(
      [
        'defaults:',
        '  ssh:',
        '    user: fallback',
        '    port: 2200',
        'targets:',
        '  web:',
        '    uri: ssh://deploy@127.0.0.2',
        '    port: 2222',
        '    configFile: false',
      ].join('\n'),
    );
    expect(ssh!.target.id).toBe('ssh://deploy@127.0.0.2:2222');
  });

  it('names the file and line of a target whose options its kind rejects', () => {
    const text = ['targets:', '  web:', '    uri: k8s://web', '    namespace: Not_A_Name'].join('\n');
    expect(() => membersOf(text)).toThrow(
      expect.objectContaining({
        code: 'INVENTORY_INVALID',
        message: expect.stringContaining('fanout.yaml:2'),
      }),
    );
  });

  it('turns session agents off for the targets whose inventory entry says `session: false`, on every kind', async () => {
    const ssh = inject('ssh');
    const { containers, socketPath } = inject('docker');
    const host = ssh.hosts[5]!;
    const sshKeys = [
      `    identityFile: ${JSON.stringify(ssh.identityFile)}`,
      `    knownHostsFile: ${JSON.stringify(ssh.knownHostsFile)}`,
      '    configFile: false',
      '    agent: false',
    ];
    const lines = ['targets:'];
    for (const session of [true, false]) {
      lines.push(
        `  local-${session}:`,
        '    uri: local',
        `    session: ${session}`,
        `  ssh-${session}:`,
        `    uri: ${host.uri}`,
        `    session: ${session}`,
        ...sshKeys,
        `  docker-${session}:`,
        `    uri: docker://${containers[2]}`,
        `    socketPath: ${JSON.stringify(socketPath)}`,
        `    session: ${session}`,
      );
    }
    const inventory = parseInventory(lines.join('\n'), 'fanout.yaml');
    const members = createTargets(selectTargets(inventory, ['@all']));
    try {
      // An agent runs each command from its runner, a shell running the agent script (whose text holds
      // `kill -HUP 0`); without agents the parent is node, or the wrapper of a dedicated exec.
      const report = await runOn(
        members,
        `if tr '\\0' '\\n' </proc/$PPID/cmdline | grep -q 'kill -HU[P] 0'; then echo agent; else echo none; fi`,
      );
      const parents = Object.fromEntries(report.jobs.map((job) => [job.target, job.stdout.trim()]));
      for (const kind of ['local', 'ssh', 'docker']) {
        expect(parents[`${kind}-true`], kind).toBe('agent');
        expect(parents[`${kind}-false`], kind).toBe('none');
      }
    } finally {
      await Promise.all(members.map((member) => member.target.dispose()));
      await closeSshConnections();
    }
  });
});
