import { describe, expect, it } from 'vitest';
import { localFleet, runCli } from '../support/cli.js';

const lines = (text: string) => text.split('\n').filter(Boolean);

describe(
  'output order, tags and start delays (local targets: the same on every kind)',
  { timeout: 60_000 },
  () => {
    it('-k prints output in input order; without it, as jobs end', async () => {
      const { dir, inventory } = localFleet(4);
      const args = [
        'sleep',
        '@all',
        '-j',
        '4',
        '--progress',
        'none',
        '--',
        'sleep {}; echo {}',
        ':::',
        '0.9',
        '0.6',
        '0.3',
        '0',
      ];
      const free = await runCli(['jobs', '-i', inventory, ...args.slice(1)], { cwd: dir });
      expect(lines(free.stdout).map((line) => line.split(': ')[1])).toEqual(['0', '0.3', '0.6', '0.9']);
      const ordered = await runCli(['jobs', '-i', inventory, '-k', ...args.slice(1)], { cwd: dir });
      expect(lines(ordered.stdout).map((line) => line.split(': ')[1])).toEqual(['0.9', '0.6', '0.3', '0']);
      expect(ordered.code).toBe(0);
    });

    it('--tagstring labels lines with the replacement strings and the target', async () => {
      const { dir, inventory } = localFleet(1);
      const run = await runCli(
        [
          'jobs',
          '-i',
          inventory,
          'node1',
          '-k',
          '--tagstring',
          '[{target} {#} {/.} {//}]',
          '--progress',
          'none',
          '--',
          'echo ok',
          ':::',
          'dir/a.txt',
          'b.tar.gz',
        ],
        { cwd: dir },
      );
      expect(lines(run.stdout)).toEqual(['[node1 1 a dir]: ok dir/a.txt', '[node1 2 b.tar .]: ok b.tar.gz']);
      const refused = await runCli(['run', '-i', inventory, 'node1', '--tagstring', '{host}', '--', 'true'], {
        cwd: dir,
      });
      expect(refused.stderr).toContain('--tagstring: `{host}` is not supported');
      expect(refused.code).toBe(255);
    });

    it('--delay spaces job starts even when slots are free', async () => {
      const { dir, inventory } = localFleet(4);
      const run = await runCli(
        [
          'jobs',
          '-i',
          inventory,
          '@all',
          '-j',
          '4',
          '--delay',
          '0.3',
          '--output',
          'json',
          '--progress',
          'none',
          '--',
          'true',
          ':::',
          '1',
          '2',
          '3',
          '4',
        ],
        { cwd: dir },
      );
      const starts = lines(run.stdout)
        .map((line) => JSON.parse(line) as { type: string; startedAt: number })
        .filter((record) => record.type === 'end')
        .map((record) => record.startedAt)
        .sort((a, b) => a - b);
      expect(starts).toHaveLength(4);
      for (let index = 1; index < starts.length; index++)
        expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(280);
      expect(run.code).toBe(0);
    });
  },
);
