import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  addKnownHost,
  checkHostKey,
  fingerprint,
  hashHostName,
  matchesHost,
  parseKnownHosts,
} from '../../../src/targets/ssh/known-hosts.js';
import { runCli } from '../../support/cli.js';

const key = Buffer.concat([
  Buffer.from([0, 0, 0, 11]),
  Buffer.from('ssh-ed25519'),
  Buffer.from([0, 0, 0, 32]),
  Buffer.alloc(32, 7),
]);

describe('addKnownHost (accept-new)', () => {
  it('writes a hashed entry that matches only its host when asked to', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fanout-kh-')), 'sub', 'known_hosts');
    expect(addKnownHost(file, '[web1]:2222', key, { hash: true })).toBe(true);
    const [line] = readFileSync(file, 'utf8').split('\n');
    expect(line).toMatch(/^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    const [entry] = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(matchesHost(entry!.patterns, '[web1]:2222')).toBe(true);
    expect(matchesHost(entry!.patterns, '[web1]:22')).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('salts every hash', () => {
    expect(hashHostName('web1')).not.toBe(hashHostName('web1'));
  });

  it('does not add a key the file already holds, and ends a last line that lacks its newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fanout-kh-')), 'known_hosts');
    writeFileSync(file, `# no newline at the end`);
    expect(addKnownHost(file, 'web1', key, { hash: false })).toBe(true);
    expect(addKnownHost(file, 'web1', key, { hash: true })).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(
      `# no newline at the end\nweb1 ssh-ed25519 ${key.toString('base64')}\n`,
    );
  });

  it('takes over a lock left long ago by a process that died holding it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fanout-kh-')), 'known_hosts');
    writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    expect(addKnownHost(file, 'web1', key, { hash: false })).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe('accept-new against the real sshd fixtures', { timeout: 300_000 }, () => {
  it('many runs connecting for the first time at once record each host once, hashed, and say what they added', async () => {
    const ssh = inject('ssh');
    const dir = mkdtempSync(join(tmpdir(), 'fanout-accept-new-'));
    const knownHosts = join(dir, 'known_hosts');
    const config = join(dir, 'ssh_config');
    writeFileSync(config, 'Host *\n  HashKnownHosts yes\n');
    const inventory = join(dir, 'fanout.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        '  ssh:',
        `    user: ${ssh.user}`,
        `    identityFile: ${ssh.identityFile}`,
        `    knownHostsFile: ${knownHosts}`,
        `    configFile: ${config}`,
        '    hostKeyPolicy: accept-new',
        'targets:',
        ...ssh.hosts.map((host, index) => `  h${index + 1}: ssh://${host.host}:${host.port}`),
        '',
      ].join('\n'),
    );
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        runCli(['run', '-i', inventory, '@all', '--progress', 'none', '--', 'true'], { cwd: dir }),
      ),
    );
    for (const run of runs) expect(run.code).toBe(0);

    const entries = parseKnownHosts(readFileSync(knownHosts, 'utf8'));
    expect(readFileSync(knownHosts, 'utf8').trimEnd().split('\n')).toHaveLength(ssh.hosts.length);
    expect(entries.every((entry) => entry.patterns.startsWith('|1|'))).toBe(true);
    const said = runs.flatMap((run) =>
      run.stderr.split('\n').filter((line) => line.includes('accept-new: added')),
    );
    expect(said).toHaveLength(ssh.hosts.length);
    for (const host of ssh.hosts) {
      const [fixture] = parseKnownHosts(host.knownHostsLine);
      const name = fixture!.patterns;
      expect(checkHostKey(entries, name, fixture!.key).status).toBe('known');
      expect(said).toContain(
        `fanout: accept-new: added ${name} ${fixture!.keyType} ${fingerprint(fixture!.key)} to ${knownHosts}`,
      );
    }

    // A later run finds every key recorded and adds nothing.
    const again = await runCli(['run', '-i', inventory, '@all', '--progress', 'none', '--', 'true'], {
      cwd: dir,
    });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('accept-new: added');
  });
});
