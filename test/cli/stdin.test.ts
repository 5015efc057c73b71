import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const spools = () => readdirSync(tmpdir()).filter((name) => name.startsWith('fanout-stdin-'));

describe('--stdin', { timeout: 120_000 }, () => {
  it('sends the same stdin to the command on every target', async () => {
    const { dir, inventory } = sshInventory([], ['here']);
    const input = randomBytes(100_000);
    const run = await runCli(
      ['run', '-i', inventory, 'h1', 'h2', 'here', '--stdin', '--progress', 'none', '--', 'sha256sum'],
      { cwd: dir, input },
    );
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['h1', 'h2', 'here'].map((name) => `${name}: ${sha256(input)}  -`),
    );
    expect(run.code).toBe(0);
  });

  it('spools a stdin over 8 MiB to a temp file, reads it once per target, and removes it', async () => {
    const { dir, inventory } = sshInventory([], ['here']);
    const input = randomBytes(9 * 1024 * 1024 + 7);
    const before = spools();
    const run = await runCli(
      ['run', '-i', inventory, 'h3', 'here', '--stdin', '--progress', 'none', '--', 'sha256sum'],
      { cwd: dir, input },
    );
    for (const name of ['h3', 'here']) {
      expect(run.stdout).toContain(`${name}: ${sha256(input)}  -`);
    }
    expect(spools()).toEqual(before);
    expect(run.code).toBe(0);
  });

  it('gives every job of `jobs` the stdin, and is refused when stdin holds the arguments', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        'h1',
        'h2',
        '--stdin',
        '-k',
        '--progress',
        'none',
        '--',
        'printf "{}:"; cat',
        ':::',
        'a',
        'b',
      ],
      { cwd: dir, input: 'shared\n' },
    );
    expect(
      run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/^h\d #/, '#')),
    ).toEqual(['#1: a:shared', '#2: b:shared']);
    expect(run.code).toBe(0);
    const refused = await runCli(['jobs', '-i', inventory, 'h1', '--stdin', '--', 'echo'], {
      cwd: dir,
      input: 'x\n',
    });
    expect(refused.stderr).toContain('--stdin: stdin already holds the jobs’ input');
    expect(refused.code).toBe(255);
  });
});
