import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ConnectionError } from '../../../src/errors.js';
import { createDockerTarget } from '../../../src/targets/docker/index.js';
import { closeSshConnections, createSshTarget } from '../../../src/targets/ssh/index.js';
import { startDockerSocketProxy } from '../../support/docker-proxy.js';
import { startFaultProxy } from '../../support/fault-proxy.js';
import type { Target } from '../../../src/targets/target.js';
import { dockerCase, poll, runRaw, sshCase, sshOptions, type TargetCase } from './targets.js';

/** A `sleep` no other test runs, so that `ps` tells this test's processes apart. */
const uniqueSleep = () => `sleep 100.${Math.floor(Math.random() * 1e9)}`;

const cleanUps: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

/**
 * Runs a command that prints `up` and sleeps, cuts the connection once `up` arrived, and checks that the
 * command fails with a ConnectionError naming it and that nothing of it is left on the target.
 */
async function expectCutEndsCommand(
  target: Target,
  each: TargetCase,
  sleep: string,
  startWithinMs: number,
  cut: () => void,
): Promise<void> {
  const command = `echo up; ${sleep}`;
  let said = '';
  const settled = runRaw(target, command, (chunk) => (said += chunk.toString())).exited.catch(
    (caught: unknown) => caught,
  );
  await poll(async () => said === 'up\n' || undefined, startWithinMs, 'the command to start');
  cut();
  const error = await settled;
  expect(error).toBeInstanceOf(ConnectionError);
  expect(error).toMatchObject({ code: 'CONNECTION_LOST', target: target.id, command });
  expect((error as Error).message).toContain(command);
  await poll(async () => (await each.processes(sleep)).length === 0 || undefined, 5000, 'the command to end');
}

describe('a connection cut while a command runs on a session agent', () => {
  it('fails the command with a ConnectionError over SSH, and sshd ends the agent and its command', async () => {
    const ssh = inject('ssh');
    const host = ssh.hosts[5]!;
    const each = sshCase(5);
    const proxy = await startFaultProxy({ listen: { host: '127.0.0.1' }, upstream: host });
    const knownHostsFile = join(mkdtempSync(join(tmpdir(), 'fanout-cut-')), 'known_hosts');
    const key = host.knownHostsLine.split(' ').slice(1).join(' ');
    writeFileSync(knownHostsFile, `[${proxy.host}]:${proxy.port} ${key}\n`);
    const sleep = uniqueSleep();
    cleanUps.push(
      () => proxy.close(),
      () => closeSshConnections(),
      () => each.cleanUp(sleep),
    );
    const target = createSshTarget(sshOptions(5, { host: proxy.host, port: proxy.port, knownHostsFile }));
    await expectCutEndsCommand(target, each, sleep, 10_000, () => proxy.fault({ kind: 'reset' }));
  });

  it('fails the command with a ConnectionError in Docker, and the agent ends its command', async () => {
    const { socketPath } = inject('docker');
    const each = dockerCase(2);
    const proxy = await startDockerSocketProxy(
      join(mkdtempSync(join(tmpdir(), 'fanout-cut-')), 'docker.sock'),
      socketPath,
    );
    const sleep = uniqueSleep();
    cleanUps.push(
      () => proxy.close(),
      () => each.cleanUp(sleep),
    );
    const target = createDockerTarget({
      container: inject('docker').containers[2]!,
      socketPath: proxy.socketPath,
    });
    await expectCutEndsCommand(target, each, sleep, 20_000, () => proxy.dropConnections());
  });
});
