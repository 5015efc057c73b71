import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distribute } from '../../../src/fleet/distribute.js';
import type { Duration } from '../../../src/internal/duration.js';
import { closeSshConnections, createSshTarget } from '../../../src/targets/ssh/index.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { fixtures, optionsFor } from './helpers.js';

let proxy: FaultProxy;

beforeAll(async () => {
  const host = fixtures().hosts[7]!;
  proxy = await startFaultProxy({
    listen: { host: '127.0.0.1' },
    upstream: { host: host.host, port: host.port },
  });
});

afterAll(async () => {
  await closeSshConnections();
  await proxy.close();
});

/** A fresh target through the proxy (its own pool key: a new connection, a new handshake). */
function throughProxy(connectTimeout: Duration) {
  const host = fixtures().hosts[7]!;
  return createSshTarget(
    optionsFor(host, {
      host: '127.0.0.1',
      port: proxy.port,
      knownHostsFile: join(mkdtempSync(join(tmpdir(), 'fanout-kh-')), 'known_hosts'),
      hostKeyPolicy: 'accept-new',
      connectTimeout,
      keepalive: false,
    }),
  );
}

async function runOne(command: string, connectTimeout: Duration, timeout: Duration) {
  await closeSshConnections();
  const target = throughProxy(connectTimeout);
  const report = await distribute([command], [target], { timeout, keepJobs: true });
  return report.jobs[0]!;
}

describe('a job timeout and the connect timeout', () => {
  it('a handshake slower than the job timeout is not a timeout: the job runs once connected', async () => {
    // Round trips of 600 ms: the handshake takes ~3.3 s, the agent and the command after it ~2 s.
    proxy.shape({ up: { delayMs: 300 }, down: { delayMs: 300 } });
    try {
      const job = await runOne('echo reached', '30s', '3.5s');
      expect(job).toMatchObject({ ok: true, stage: 'run', stdout: 'reached\n' });
    } finally {
      proxy.shape({ up: {}, down: {} });
    }
  });

  it('a host that never answers the handshake is unreachable after the connect timeout', async () => {
    proxy.fault({ kind: 'blackhole' });
    try {
      const started = performance.now();
      const job = await runOne('echo never', '2s', '500ms');
      expect(job).toMatchObject({ ok: false, stage: 'connect', errorCode: 'CONNECT_TIMEOUT' });
      expect(performance.now() - started).toBeGreaterThan(1500);
    } finally {
      proxy.fault({ kind: 'none' });
    }
  });

  it('a command that runs too long on a reached host still times out', async () => {
    proxy.shape({ up: { delayMs: 150 }, down: { delayMs: 150 } });
    try {
      const job = await runOne('sleep 30', '30s', '1s');
      expect(job).toMatchObject({ ok: false, stage: 'timeout' });
    } finally {
      proxy.shape({ up: {}, down: {} });
    }
  });
});
