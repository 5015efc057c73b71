import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { ConnectionError } from '../../../src/errors.js';
import { closeSshConnections } from '../../../src/targets/ssh/index.js';
import { fixtures, optionsFor } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fanout-known-hosts-'));
const knownHosts = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

afterAll(() => closeSshConnections());

describe('host key checking', () => {
  it('refuses an unknown host by default with HOST_KEY_UNKNOWN naming the host and the fingerprint', async () => {
    const host = fixtures().hosts[0]!;
    const error = await $.ssh(optionsFor(host, { knownHostsFile: knownHosts('empty', '') }))`echo hi`.catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'HOST_KEY_UNKNOWN', target: host.uri, command: 'echo hi' });
    expect((error as Error).message).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect((error as Error).message).toContain(`[${host.host}]:${host.port}`);
  });

  it('refuses a changed key with HOST_KEY_MISMATCH, even with accept-new', async () => {
    const [host, other] = fixtures().hosts;
    // Record the other fixture's key under this host's name: a changed key as far as the client can tell.
    const wrong = `[${host!.host}]:${host!.port} ${other!.knownHostsLine.split(' ').slice(1).join(' ')}\n`;
    for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
      const file = knownHosts(`changed-${hostKeyPolicy}`, wrong);
      const error = await $.ssh(optionsFor(host!, { knownHostsFile: file, hostKeyPolicy }))`echo hi`.catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH', target: host!.uri });
      expect(readFileSync(file, 'utf8')).toBe(wrong);
    }
  });

  it('records an unknown key with accept-new and then trusts it', async () => {
    const host = fixtures().hosts[1]!;
    const file = knownHosts('accept-new', '# start\n');
    const options = optionsFor(host, { knownHostsFile: file, hostKeyPolicy: 'accept-new' });
    expect(await $.ssh(options)`echo first`.text()).toBe('first');
    const recorded = readFileSync(file, 'utf8');
    expect(recorded).toBe(`# start\n${host.knownHostsLine}\n`);
    await closeSshConnections();
    expect(await $.ssh({ ...options, hostKeyPolicy: 'strict' })`echo again`.text()).toBe('again');
  });

  it('verifies hashed known_hosts entries', async () => {
    const host = fixtures().hosts[2]!;
    const file = knownHosts('hashed', `${host.knownHostsLine}\n`);
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    expect(await $.ssh(optionsFor(host, { knownHostsFile: file }))`echo hashed`.text()).toBe('hashed');
  });

  it('accepts any key only with the explicit insecure policy', async () => {
    const host = fixtures().hosts[3]!;
    const options = optionsFor(host, {
      knownHostsFile: knownHosts('insecure', ''),
      hostKeyPolicy: 'insecure',
    });
    expect(await $.ssh(options)`echo insecure`.text()).toBe('insecure');
  });
});
