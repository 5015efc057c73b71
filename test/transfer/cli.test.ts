import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';
import { describeTree, makeTree, ownedScratch, scratch } from './tree.js';

const remoteRoot = () => ownedScratch(inject('ssh').user);

describe('fanout push and pull over the sshd fixtures', { timeout: 300_000 }, () => {
  it('push copies a tree to every target as one job each, with a joblog', async () => {
    const { dir, inventory } = sshInventory();
    const source = join(scratch(), 'site');
    execFileSync('mkdir', [source]);
    makeTree(source);
    const remote = remoteRoot();
    const joblog = join(dir, 'push.log');
    const run = await runCli(
      [
        'push',
        '-i',
        inventory,
        '@all',
        source,
        join(remote, 'h'),
        '--mkdirs',
        '--checksum',
        '--joblog',
        joblog,
        '--progress',
        'none',
      ],
      { cwd: dir },
    );
    expect(run.stderr).toMatch(/8 jobs in [\d.]+s: 8 ok/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(8);
    expect(run.stdout).toMatch(/^h1: pushed .*site: 6 files, 70\.0 kB/m);
    // All eight fixtures share this machine's disk: each push replaced the same files atomically.
    expect(describeTree(join(remote, 'h/site'))).toEqual(describeTree(source));
    const lines = readFileSync(joblog, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines.slice(1).every((line) => line.split('\t')[6] === '0')).toBe(true);
  });

  it('push and pull progress counts the bytes and files moved by every target', async () => {
    const { dir, inventory } = sshInventory();
    const source = join(scratch(), 'site');
    execFileSync('mkdir', [source]);
    makeTree(source);
    const remote = remoteRoot();
    const push = await runCli(['push', '-i', inventory, '@all', source, remote, '--progress', 'plain'], {
      cwd: dir,
    });
    expect(push.code).toBe(0);
    // 8 targets × (4 files of 70,022 bytes in all, and 2 links).
    expect(push.stderr).toMatch(
      /^fanout: 8\/8 done, 0 failed, 0 running, .*, 560\.2 kB \(.*\/s\), 48 files$/m,
    );
    const pull = await runCli(
      ['pull', '-i', inventory, '@all', join(remote, 'site'), join(dir, 'back'), '--progress', 'plain'],
      { cwd: dir },
    );
    expect(pull.code).toBe(0);
    expect(pull.stderr).toMatch(
      /^fanout: 8\/8 done, 0 failed, 0 running, .*, 560\.2 kB \(.*\/s\), 48 files$/m,
    );
  });

  it('pull lands each target’s copy in LOCAL_DIR/<target>/', async () => {
    const { dir, inventory } = sshInventory();
    const remote = remoteRoot();
    writeFileSync(join(remote, 'app.log'), 'log line\n');
    const run = await runCli(
      [
        'pull',
        '-i',
        inventory,
        'h[1-3]',
        join(remote, 'app.log'),
        'logs',
        '--checksum',
        '--progress',
        'none',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    for (const name of ['h1', 'h2', 'h3'])
      expect(readFileSync(join(dir, 'logs', name, 'app.log'), 'utf8')).toBe('log line\n');
    expect(existsSync(join(dir, 'logs', 'h4'))).toBe(false);
  });

  it('a missing local file stops push before anything starts (exit 255)', async () => {
    const { dir, inventory } = sshInventory();
    const remote = remoteRoot();
    const run = await runCli(['push', '-i', inventory, '@all', 'missing.txt', remote, '--progress', 'none'], {
      cwd: dir,
    });
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(`${join(dir, 'missing.txt')} does not exist`);
    expect(run.stdout).toBe('');
  });

  it('a failed transfer is a failed job: exit status counts them, the reason is on stderr', async () => {
    const { dir, inventory } = sshInventory();
    const source = join(scratch(), 'file.txt');
    writeFileSync(source, 'x');
    const run = await runCli(['push', '-i', inventory, 'h[1-2]', source, '/root', '--progress', 'none'], {
      cwd: dir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/h1: .*Permission denied/i);
  });
});
