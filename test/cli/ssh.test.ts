import { describe, expect, inject, it } from 'vitest';
import { processesMatching, waitFor } from '../support/processes.js';
import { startSshd } from '../support/sshd.js';
import { runCli, startCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

type Record = {
  type: string;
  target?: string;
  seq?: number;
  line?: string;
  ok?: boolean;
  stage?: string;
  attempts?: number;
};
const parse = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record);

describe('fanout over the sshd fixtures', { timeout: 300_000 }, () => {
  it('carries the inventory’s SSH options into every target and runs everywhere', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      ['run', '-i', inventory, '@all', '--output', 'collapse', '--progress', 'none', '--', 'id -un'],
      { cwd: dir },
    );
    expect(run.stderr).toMatch(/8 jobs in [\d.]+s: 8 ok/);
    expect(run.stdout).toBe(`----------------\nh[1-8] (8): ok\n----------------\n${inject('ssh').user}\n`);
    expect(run.code).toBe(0);
  });

  it('halt now kills the remote work on every host', async () => {
    const { dir, inventory } = sshInventory();
    const marker = `sleep 100.${process.pid}7`;
    const args = Array.from({ length: 12 }, (_, index) => String(index + 1));
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '8',
        '--halt',
        'now,fail=1',
        '--progress',
        'none',
        '--',
        `if [ {} = 1 ]; then sleep 2; exit 3; fi; ${marker}`,
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    await waitFor(
      () => processesMatching(marker).filter((line) => line.startsWith(marker)).length === 7,
      120_000,
      'seven remote sleeps',
    );
    const result = await run.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/0 ok, 1 failed, 0 timed out, 0 unreachable, 7 canceled, 4 skipped/);
    await waitFor(() => processesMatching(marker).length === 0, 10_000, 'remote sleeps to die');
  });

  it('moves the jobs of a host whose sshd is stopped to the other hosts, losing none', async () => {
    const extra = await startSshd(inject('ssh'), { host: '127.0.0.31' });
    const { dir, inventory } = sshInventory([extra.host]);
    const reachable = await runCli(['run', '-i', inventory, 'x1', '--progress', 'none', '--', 'echo up'], {
      cwd: dir,
    });
    expect(reachable.stdout).toBe('x1: up\n');
    await extra.stop();
    const args = Array.from({ length: 36 }, (_, index) => String(index + 1));
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '18',
        '--retries',
        '1',
        '--output',
        'json',
        '--progress',
        'none',
        '--',
        'echo r-{}',
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    const records = parse(run.stdout);
    const ends = records.filter((record) => record.type === 'end');
    expect(ends).toHaveLength(36);
    expect(ends.filter((record) => !record.ok || record.target === 'x1')).toEqual([]);
    expect(records.filter((record) => record.type === 'target-down').map((record) => record.target)).toEqual([
      'x1',
    ]);
    const moved = records.filter((record) => record.type === 'retry' && record.target === 'x1');
    expect(moved.length).toBeGreaterThan(0);
    for (const retry of moved)
      expect(ends.find((end) => end.seq === retry.seq)).toMatchObject({ ok: true, attempts: 2 });
    const outputs = records
      .filter((record) => record.type === 'output')
      .map((record) => `${record.seq}:${record.line}`);
    expect(outputs.sort()).toEqual(args.map((arg) => `${arg}:r-${arg}`).sort());
    expect(run.code).toBe(0);
  });

  it('runs 10,000 jobs over 8 hosts and matches every result to its job', async () => {
    const { dir, inventory } = sshInventory();
    const args = Array.from({ length: 10_000 }, (_, index) => String(index + 1));
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@fixtures',
        '-j',
        '64',
        '--output',
        'json',
        '--progress',
        'none',
        '--',
        'echo r-{}',
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const records = parse(run.stdout);
    const lines = new Map<number, string>();
    const ends = new Map<number, Record>();
    for (const record of records) {
      if (record.type === 'output') lines.set(record.seq!, record.line!);
      if (record.type === 'end') ends.set(record.seq!, record);
    }
    expect(ends.size).toBe(10_000);
    for (const arg of args) {
      expect(lines.get(Number(arg))).toBe(`r-${arg}`);
      expect(ends.get(Number(arg))?.ok).toBe(true);
    }
    const perHost = new Map<string, number>();
    for (const record of ends.values()) perHost.set(record.target!, (perHost.get(record.target!) ?? 0) + 1);
    expect(perHost.size).toBe(8);
    expect(records.at(-1)).toMatchObject({ type: 'summary', total: 10_000, ok: 10_000 });
  });
});
