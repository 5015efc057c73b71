import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesMatching, uniqueSleep } from '../support/processes.js';
import { localFleet, runCli } from '../support/cli.js';

describe.concurrent('fanout failure policies', { timeout: 180_000 }, () => {
  const { dir, inventory } = localFleet(4);

  it('exits with the number of failed jobs, 101 above 100', async () => {
    const three = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--progress',
        'none',
        '--',
        'exit $(( {} % 2 ))',
        ':::',
        '1',
        '2',
        '3',
        '4',
        '5',
      ],
      { cwd: dir },
    );
    expect(three.code).toBe(3);
    const args = Array.from({ length: 101 }, (_, index) => String(index));
    const many = await runCli(
      ['jobs', '-i', inventory, '@all', '--progress', 'none', '--', 'exit 1', ':::', ...args],
      { cwd: dir },
    );
    expect(many.code).toBe(101);
  });

  it('halt now kills the running jobs on every target and starts no more', async () => {
    const { command, marker } = uniqueSleep();
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '4',
        '--halt',
        'now,fail=1',
        '--progress',
        'none',
        '--',
        `if [ {} = 1 ]; then sleep 0.5; exit 4; else ${command}; fi`,
        ':::',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0 ok, 1 failed, 0 timed out, 0 unreachable, 3 canceled, 2 skipped/);
    expect(run.stderr).toContain('halted (now)');
    expect(processesMatching(marker)).toEqual([]);
  });

  it('halt soon lets running jobs finish', async () => {
    const out = join(dir, 'soon');
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '2',
        '--halt',
        'soon',
        '--progress',
        'none',
        '--',
        `if [ {} = 1 ]; then exit 1; fi; sleep 2; mkdir -p ${out}; touch ${out}/{}`,
        ':::',
        '1',
        '2',
        '3',
        '4',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(readdirSync(out)).toEqual(['2']);
    expect(run.stderr).toMatch(/1 ok, 1 failed, .*2 skipped/);
  });

  it('runs rolling batches in order and stops after the batch that fails', async () => {
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        '@all',
        '--batches',
        '1,25%',
        '--halt',
        'soon,fail=2',
        '--output',
        'json',
        '--progress',
        'none',
        '--',
        'exit 1',
      ],
      { cwd: dir },
    );
    const records = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; target?: string; size?: number });
    const order = records
      .filter((record) => record.type === 'start' || record.type === 'batch-end')
      .map((record) => (record.type === 'start' ? record.target : `batch ${record.size}`));
    expect(order).toEqual(['node1', 'batch 1', 'node2', 'batch 1']);
    expect(run.code).toBe(2);
    expect(records.at(-1)).toMatchObject({ type: 'summary', failed: 2, skipped: 2 });
  });

  it('retries a failing job on another target, and times out a stuck one', async () => {
    const flag = join(dir, 'retry-flag');
    const retried = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--retries',
        '2',
        '--output',
        'json',
        '--progress',
        'none',
        '--',
        `: {}; test -f ${flag} || { touch ${flag}; exit 1; }`,
        ':::',
        'x',
      ],
      { cwd: dir },
    );
    expect(retried.code).toBe(0);
    const records = retried.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; target?: string; attempts?: number });
    const starts = records.filter((record) => record.type === 'start').map((record) => record.target);
    expect(starts).toHaveLength(2);
    expect(starts[0]).not.toBe(starts[1]);
    expect(records.find((record) => record.type === 'end')).toMatchObject({ attempts: 2, ok: true });
    expect(existsSync(flag)).toBe(true);

    const { command, marker } = uniqueSleep();
    const stuck = await runCli(
      ['run', '-i', inventory, 'node1', '--timeout', '0.5', '--progress', 'none', '--', command],
      { cwd: dir },
    );
    expect(stuck.code).toBe(1);
    expect(stuck.stderr).toMatch(/timeout node1 \[timeout, 1 attempt/);
    expect(processesMatching(marker)).toEqual([]);
  });
});
