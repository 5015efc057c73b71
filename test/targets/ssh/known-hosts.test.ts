import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  knownHostsName,
  knownKeyTypes,
  matchesHost,
  parseKnownHosts,
} from '../../../src/targets/ssh/known-hosts.js';

function blob(type: string, body: string): Buffer {
  const name = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([length, name, Buffer.from(body)]);
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const keyA = blob('ssh-ed25519', 'key-a');
const keyB = blob('ssh-ed25519', 'key-b');
const rsa = blob('ssh-rsa', 'key-r');
const line = (patterns: string, key: Buffer, marker = '') =>
  `${marker}${patterns} ssh-ed25519 ${key.toString('base64')}`;

describe('known_hosts', () => {
  it.each([
    ['web1', 22, 'web1'],
    ['127.0.0.3', 2222, '[127.0.0.3]:2222'],
  ])('names %s:%i as %s', (host, port, name) => {
    expect(knownHostsName(host, port)).toBe(name);
  });

  it.each([
    ['web1,web2', 'web2', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com,!bad.example.com', 'bad.example.com', false],
    ['[127.0.0.3]:2222', '[127.0.0.3]:2222', true],
    ['[127.0.0.3]:2222', '127.0.0.3', false],
    ['web?', 'web1', true],
  ])('pattern %s matches %s: %s', (patterns, name, expected) => {
    expect(matchesHost(patterns, name)).toBe(expected);
  });

  it('matches hashed entries', () => {
    expect(matchesHost(hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222')).toBe(true);
    expect(matchesHost(hashed('[10.0.0.1]:2222'), '10.0.0.1')).toBe(false);
  });

  it('tells known, unknown, changed and revoked keys apart', () => {
    const text = [
      '# comment',
      line('web1', keyA),
      line(hashed('web2'), keyA),
      line('web3', keyB, '@revoked '),
      line('web3', keyB),
      `web4 ssh-rsa ${rsa.toString('base64')}`,
      'garbage',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(5);
    expect(checkHostKey(entries, 'web1', keyA).status).toBe('known');
    expect(checkHostKey(entries, 'web2', keyA).status).toBe('known');
    expect(checkHostKey(entries, 'web1', keyB).status).toBe('changed');
    expect(checkHostKey(entries, 'web3', keyB).status).toBe('revoked');
    expect(checkHostKey(entries, 'web9', keyA).status).toBe('unknown');
    // A key of another type than the recorded one is not a change, as in OpenSSH.
    expect(checkHostKey(entries, 'web4', keyA).status).toBe('unknown');
  });

  it('finds the entries naming a host among many lines as testing each line does, in file order', () => {
    const entries = parseKnownHosts(
      [
        ...Array.from({ length: 300 }, (_, i) => line(`[10.0.${i >> 8}.${i & 255}]:2222`, keyB)),
        `*.lab ssh-rsa ${rsa.toString('base64')}`,
        line('WEB7,web8', keyA),
        line('*.lab,!db.lab', keyA),
        line(hashed('web9'), keyA),
        `web7 ssh-rsa ${rsa.toString('base64')}`,
      ].join('\n'),
    );
    const names = ['web7', 'Web8', 'web9', 'db.lab', 'app.lab', '[10.0.1.30]:2222', '10.0.1.30', 'web0'];
    for (const name of names) {
      const tested = entries.filter((entry) => matchesHost(entry.patterns, name));
      expect(knownKeyTypes(entries, name), name).toEqual([...new Set(tested.map((e) => e.keyType))]);
    }
    expect(knownKeyTypes(entries, 'web7')).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(knownKeyTypes(entries, 'app.lab')).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, 'db.lab')).toEqual(['ssh-rsa']);
    expect(checkHostKey(entries, 'web8', keyA).status).toBe('known');
    expect(checkHostKey(entries, '[10.0.1.30]:2222', keyB).status).toBe('known');
    expect(checkHostKey(entries, '[10.0.1.30]:2222', keyA).status).toBe('changed');
    expect(checkHostKey(entries, '[10.0.9.30]:2222', keyA).status).toBe('unknown');
  });

  it('reads a file hashed by ssh-keygen -H as the plain file it came from', () => {
    const names = Array.from({ length: 200 }, (_, i) => `[10.1.${i >> 8}.${i & 255}]:2222`);
    const plain = [
      ...names.map((name, i) => line(name, i % 2 ? keyA : keyB)),
      line('web1,web2', keyA),
      `web1 ssh-rsa ${rsa.toString('base64')}`,
      line('web3', keyB, '@revoked '),
      line('web3', keyA),
    ].join('\n');
    const file = join(mkdtempSync(join(tmpdir(), 'fanout-kh-')), 'known_hosts');
    writeFileSync(file, `${plain}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashedText = readFileSync(file, 'utf8');
    expect(hashedText).not.toContain('10.1.');
    expect(hashedText).not.toContain('web2');
    // The verdict and the keys it names (the patterns differ: one file holds them hashed).
    const verdict = (status: ReturnType<typeof checkHostKey>) =>
      status.status === 'changed' ? [status.status, status.expected.map((e) => e.key)] : [status.status];
    const fromPlain = parseKnownHosts(plain);
    const fromHashed = parseKnownHosts(hashedText);
    const looks = [...names.slice(0, 20), names.at(-1)!, 'web1', 'web2', 'web3', 'web4', '10.1.0.1'];
    for (const name of looks) {
      for (const key of [keyA, keyB, rsa]) {
        expect(verdict(checkHostKey(fromHashed, name, key)), name).toEqual(
          verdict(checkHostKey(fromPlain, name, key)),
        );
      }
      expect(knownKeyTypes(fromHashed, name).sort(), name).toEqual(knownKeyTypes(fromPlain, name).sort());
    }
    expect(checkHostKey(fromHashed, names[1]!, keyA).status).toBe('known');
    expect(checkHostKey(fromHashed, names[1]!, keyB).status).toBe('changed');
    expect(checkHostKey(fromHashed, 'web3', keyB).status).toBe('revoked');
  });

  it('finds hashed entries that share a salt', () => {
    const salt = randomBytes(20);
    const withSalt = (name: string) =>
      `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    const entries = parseKnownHosts(
      [line(withSalt('web1'), keyA), line(withSalt('web2'), keyB), line(withSalt('web1'), keyB)].join('\n'),
    );
    expect(checkHostKey(entries, 'web1', keyB).status).toBe('known');
    expect(checkHostKey(entries, 'web2', keyB).status).toBe('known');
    expect(checkHostKey(entries, 'web2', keyA).status).toBe('changed');
    expect(checkHostKey(entries, 'web3', keyA).status).toBe('unknown');
  });

  it('prints fingerprints as ssh-keygen does', () => {
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
