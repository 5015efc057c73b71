import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

const firstColumn = (stdout: string): string[] =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/)[0]!);

describe('fanout selections with exclusion and intersection', { timeout: 240_000 }, () => {
  it('leaves targets out with !name, !@group and pdsh -x, in any order', async () => {
    const { dir, inventory } = sshInventory();
    const targets = await runCli(['targets', '-i', inventory, '!h2', '@fixtures', '-x', 'h[4-8],h1'], {
      cwd: dir,
    });
    expect(firstColumn(targets.stdout)).toEqual(['h3']);
    const run = await runCli(['run', '-i', inventory, '@all', '!@fixtures', '-x', 'nothing', '--', 'true'], {
      cwd: dir,
    });
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('unknown target `nothing`');
  });

  it('runs only on the intersection of two groups over the sshd fixtures', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        '@fixtures:&h[2-3]',
        '--progress',
        'none',
        '--output',
        'json',
        '--',
        'echo hi',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const targets = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; target?: string })
      .filter((record) => record.type === 'output')
      .map((record) => record.target)
      .sort();
    expect(targets).toEqual(['h2', 'h3']);
  });
});
