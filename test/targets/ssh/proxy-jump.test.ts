import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { closeSshConnections, getSshPoolStats } from '../../../src/targets/ssh/index.js';
import { fixtures } from './helpers.js';

let configFile: string;

beforeAll(() => {
  const info = fixtures();
  const [jump, behind] = info.hosts;
  const dir = mkdtempSync(join(tmpdir(), 'fanout-jump-'));
  configFile = join(dir, 'config');
  writeFileSync(
    join(dir, 'common'),
    [`IdentityFile ${info.identityFile}`, `UserKnownHostsFile ${info.knownHostsFile}`, ''].join('\n'),
  );
  writeFileSync(
    configFile,
    [
      'Host jump',
      `  HostName ${jump!.host}`,
      `  Port ${jump!.port}`,
      'Host behind',
      `  HostName ${behind!.host}`,
      `  Port ${behind!.port}`,
      '  ProxyJump jump',
      'Host behind-nowhere',
      `  HostName ${behind!.host}`,
      `  Port ${behind!.port}`,
      '  ProxyJump 127.0.0.30:2',
      'Host *',
      `  User ${info.user}`,
      '  Include common',
      '',
    ].join('\n'),
  );
});

afterAll(() => closeSshConnections());

describe('ProxyJump', () => {
  it('reaches a host through a jump host named in ssh_config', async () => {
    const [jump, behind] = fixtures().hosts;
    const shell = $.ssh({ host: 'behind', configFile, agent: false });
    const running = shell`sleep 2; echo behind`.text();
    // The TCP connection to the target belongs to the jump host's sshd, not to this process.
    let sockets = '';
    for (let i = 0; i < 100 && !sockets.includes('sshd'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sockets = execFileSync('ss', ['-tnpH', 'dst', `${behind!.host}:${behind!.port}`], { encoding: 'utf8' });
    }
    expect(await running).toBe('behind');
    expect(sockets).toMatch(/"sshd"/);
    expect(sockets).not.toContain(`pid=${process.pid},`);
    const rows = getSshPoolStats();
    expect(rows.find((row) => row.host === jump!.host)).toMatchObject({
      connected: true,
      connectionsOpened: 1,
    });
    expect(rows.find((row) => row.host === behind!.host)).toMatchObject({
      connected: true,
      connectionsOpened: 1,
    });
    expect(await shell`echo again`.text()).toBe('again');
  });

  it('fails with a ConnectionError when the jump host cannot be reached', async () => {
    const error = await $.ssh({ host: 'behind-nowhere', configFile, agent: false })`true`.catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'ConnectionError', code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toContain('127.0.0.30:2');
  });
});
