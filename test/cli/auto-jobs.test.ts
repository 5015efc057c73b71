import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

type Record = { type: string; target?: string; limit?: number; previous?: number; seq?: number };

const JOBS = Array.from({ length: 120 }, (_, index) => String(index + 1));

/**
 * Runs 120 jobs with `-j auto` on h1 and h2, where `onH2` runs on h2 (told apart by the server address in
 * SSH_CONNECTION) once the job number is over 24 (so that
 * h2 has shown how fast its jobs are first); returns each target's last limit and the records.
 */
async function runAuto(onH2: string) {
  const h2 = inject('ssh').hosts[1]!.host;
  const { dir, inventory } = sshInventory();
  const command = `sleep 0.3; case "$SSH_CONNECTION" in *" ${h2} "*) [ {} -gt 24 ] && ${onH2};; esac; echo {}`;
  const run = await runCli(
    [
      'jobs',
      '-i',
      inventory,
      'h1',
      'h2',
      '-j',
      'auto',
      '--output',
      'json',
      '--progress',
      'plain',
      '--',
      command,
      ':::',
      ...JOBS,
    ],
    { cwd: dir },
  );
  const records = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record);
  const last = new Map<string, number>();
  const highest = new Map<string, number>();
  const lowest = new Map<string, number>();
  for (const record of records) {
    if (record.type !== 'limit') continue;
    const target = record.target!;
    last.set(target, record.limit!);
    highest.set(target, Math.max(highest.get(target) ?? 0, record.limit!));
    lowest.set(target, Math.min(lowest.get(target) ?? Infinity, record.limit!));
  }
  const ended = records.filter((record) => record.type === 'end').map((record) => record.seq);
  return { run, last, highest, lowest, ended };
}

describe('-j auto over the sshd fixtures', { timeout: 180_000 }, () => {
  it('shrinks the limit of a target whose jobs start failing, grows the healthy one, and runs every job', async () => {
    const { run, last, highest, ended } = await runAuto('exit 3');
    expect(ended.sort((a, b) => a! - b!)).toEqual(JOBS.map(Number));
    expect(last.get('h2')).toBe(1);
    expect(highest.get('h1')).toBeGreaterThan(4);
    // The progress lines show the limits that moved, the lowest first.
    expect(run.stderr).toMatch(/limits: h2 1, h1 \d+/);
    expect(run.code).toBeGreaterThan(0);
  });

  it('shrinks the limit of a target whose jobs slow down, grows the healthy one, and runs every job', async () => {
    const { run, highest, lowest, ended } = await runAuto('sleep 3');
    expect(ended).toHaveLength(JOBS.length);
    // h2 grew while its jobs were quick, then gave at least half its slots back once they took ten times as
    // long (how far it shrinks depends on the machine's load: 2 on a quiet one, 3 on a busy one).
    expect(lowest.get('h2')).toBeLessThanOrEqual(highest.get('h2')! / 2);
    expect(highest.get('h1')).toBeGreaterThan(4);
    expect(run.code).toBe(0);
  });

  it('is refused by ping, which reaches each target once', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(['ping', '-i', inventory, 'h1', '-j', 'auto'], { cwd: dir });
    expect(run.stderr).toContain('--concurrency: `auto` is for run, jobs, push and pull');
    expect(run.code).toBe(255);
  });
});
