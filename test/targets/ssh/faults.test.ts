import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { ConnectionError } from '../../../src/errors.js';
import { closeSshConnections, getSshPoolStats } from '../../../src/targets/ssh/index.js';
import {
  killHost,
  pauseHost,
  restartHost,
  resumeHost,
  startSshd,
  type ExtraSshd,
} from '../../support/sshd.js';
import { cleanUp, fixtures, optionsFor, survivorsOf, waitForProcess } from './helpers.js';

let extra: ExtraSshd;

beforeAll(async () => {
  extra = await startSshd(fixtures(), { host: '127.0.0.20' });
});

afterEach(() => cleanUp('sleep 100.48'));
afterAll(async () => {
  await closeSshConnections();
  await extra.stop();
});

describe('SSH faults', () => {
  it('fails fast with CONNECTION_FAILED on a host that refuses connections', async () => {
    const started = Date.now();
    const error = await $.ssh({
      ...optionsFor(fixtures().hosts[0]!),
      host: '127.0.0.30',
      port: 2,
    })`echo hi`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({
      code: 'CONNECTION_FAILED',
      target: 'ssh://fanout-test@127.0.0.30:2',
      command: 'echo hi',
    });
    expect((error as Error).message).toContain('connection refused');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('honours connectTimeout on a host that accepts TCP and never answers', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.31', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const error = await $.ssh({
        ...optionsFor(fixtures().hosts[0]!),
        host: '127.0.0.31',
        port,
        connectTimeout: '1s',
      })`true`.catch((caught: unknown) => caught);
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ name: 'ConnectionError', code: 'CONNECT_TIMEOUT' });
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('fails the running command with CONNECTION_LOST when its sshd is killed, then reconnects', async () => {
    const shell = $.ssh(optionsFor(extra.host, { knownHostsFile: extra.knownHostsFile }));
    const running = shell`sleep 100.4848; echo never`.catch((caught: unknown) => caught);
    await waitForProcess('100.4848');
    await killHost(extra.host);
    const error = await running;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', target: extra.host.uri });
    await restartHost(extra.host);
    expect(await shell`echo back`.text()).toBe('back');
    expect(getSshPoolStats().find((row) => row.host === extra.host.host)?.connectionsOpened).toBe(2);
  });

  it('settles promptly after SIGKILL when the host stops answering, with a ConnectionError', async () => {
    const shell = $.ssh(optionsFor(extra.host, { knownHostsFile: extra.knownHostsFile }));
    const command = shell({ killGrace: '300ms' })`sleep 100.4849`;
    const running = command.catch((caught: unknown) => caught);
    await waitForProcess('100.4849');
    pauseHost(extra.host);
    try {
      const started = Date.now();
      command.kill('SIGTERM');
      const error = await running;
      expect(error).toBeInstanceOf(ConnectionError);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      resumeHost(extra.host);
    }
    cleanUp('sleep 100.4849');
    expect(await survivorsOf('100.4849')).toEqual([]);
  });

  it('opens 40 connections to one host at once (handshakes capped per host, all succeed)', async () => {
    const host = fixtures().hosts[7]!;
    // Different credentials make different pool entries: 40 handshakes to the same sshd.
    const outputs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => $.ssh(optionsFor(host, { password: `p${i}` }))`echo ${i}`.text()),
    );
    expect(outputs).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });
});
