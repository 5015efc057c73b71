import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { closeSshConnections, getSshPoolStats } from '../../../src/targets/ssh/index.js';
import { startSshd, type ExtraSshd } from '../../support/sshd.js';
import { fixtures, optionsFor } from './helpers.js';

let sshd: ExtraSshd;

beforeAll(async () => {
  // An sshd of this file's own, with OpenSSH's default MaxSessions (10) and its log to read.
  sshd = await startSshd(fixtures(), { host: '127.0.0.21' });
});

afterAll(async () => {
  await closeSshConnections();
  await sshd?.stop();
});

describe('a root login at MaxSessions 10', () => {
  it(
    'runs 100 concurrent commands without one failing and without going over the session cap',
    { timeout: 120_000 },
    async () => {
      const shell = $.ssh(optionsFor(sshd.host, { user: 'root', knownHostsFile: sshd.knownHostsFile }));
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) => shell`sleep 0.3; echo ${index}`.nothrow()),
      );
      const elapsed = Date.now() - started;
      expect(results.filter((result) => !result.ok).map((result) => result.stderr)).toEqual([]);
      expect(results.map((result) => Number(result.stdout))).toEqual(results.map((_, index) => index));
      // 100 × 0.3 s over 8 agents is ~4 s, plus root's login rc files once per agent: 15-45 s on a loaded
      // 2-core machine. With a kill channel forced over the cap, sshd refused channels ("no more sessions")
      // and 100 commands did not end within 90 s.
      expect(elapsed).toBeLessThan(60_000);
      const [row] = getSshPoolStats().filter((each) => each.host === sshd.host.host);
      expect(row?.peakChannels).toBeLessThanOrEqual(10);
      expect(readFileSync(sshd.host.logFile, 'utf8')).not.toMatch(/no more sessions/i);
    },
  );
});
