import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/queue/index.js';
import { localFleet, runCli } from '../support/cli.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { query, runFacts, startWorker } from './support.js';

/** Submits a run with `fanout jobs --queue` and runs it to its end with one worker on 4 local targets. */
async function runQueued(
  db: PostgresFixture,
  words: readonly string[],
  options: { flags?: readonly string[]; input?: string | Buffer; workerFlags?: readonly string[] } = {},
): Promise<number> {
  const submitted = await runCli(
    ['jobs', '--queue', db.url, '--progress', 'none', ...(options.flags ?? []), '--', ...words],
    { input: options.input ?? '' },
  );
  expect(submitted.stderr).toBe('');
  expect(submitted.code).toBe(0);
  const runId = Number(submitted.stdout.trim());
  const { inventory } = localFleet(4);
  const worker = await startWorker(db.url, inventory, [
    '--run',
    String(runId),
    ...(options.workerFlags ?? []),
  ]).result;
  expect(worker.code).toBe(0);
  return runId;
}

async function outputs(db: PostgresFixture, runId: number): Promise<string[]> {
  const rows = await query<{ stdout: string }>(
    db.url,
    `SELECT stdout FROM fanout.attempts WHERE run_id = $1 AND state = 'ended' ORDER BY seq`,
    [runId],
  );
  return rows.map((row) => row.stdout);
}

describe('jobs --queue: what a queued run takes from the jobs command line (real PostgreSQL)', () => {
  let db: PostgresFixture;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.stop());

  it('--pipe stores each chunk with its job, and the worker gives it to the job on stdin', async () => {
    const input = Array.from({ length: 1000 }, (_, index) => `${index + 1}\n`).join('');
    const runId = await runQueued(db, ['awk', "'{ s += $1 } END { print NR, s }'"], {
      flags: ['--pipe', '-N', '100'],
      input,
    });
    const facts = await runFacts(db.url, runId);
    expect(facts.run).toEqual({ state: 'done', total: 10 });
    expect(await outputs(db, runId)).toEqual(
      Array.from({ length: 10 }, (_, chunk) => {
        const first = chunk * 100 + 1;
        return `100 ${((first + first + 99) * 100) / 2}\n`;
      }),
    );
  });

  it('{%} is the slot of the job on the worker that runs it, from 1 up to its -j', async () => {
    const input = Array.from({ length: 24 }, (_, index) => `${index + 1}\n`).join('');
    const runId = await runQueued(db, ['sleep 0.2; echo {} {%}'], {
      input,
      workerFlags: ['-j', '3'],
    });
    const seen = (await outputs(db, runId)).map((line) => line.trim().split(' '));
    expect(seen.map(([seq]) => Number(seq))).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
    const slots = new Set(seen.map(([, slot]) => slot));
    expect([...slots].sort()).toEqual(['1', '2', '3']);

    // The record shows each command as it ran, with its slot, like the joblog of `jobs` without a queue.
    const results = await runCli(['results', '--queue', db.url, String(runId), '--output', 'json']);
    expect(results.code).toBe(0);
    const records = results.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; command: string; stdout: string });
    expect(records).toHaveLength(24);
    for (const record of records) {
      expect(record.command).toBe(`sleep 0.2; echo ${record.seq} ${record.stdout.trim().split(' ')[1]}`);
    }
  });

  it('--dry-run of a queued run shows {%} where the worker will put its slot', async () => {
    const run = await runCli(['jobs', '--queue', db.url, '--dry-run', '--', 'echo {} {%}', ':::', 'a', 'b']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('#1\techo a {%}\n#2\techo b {%}\n');
  });

  it('a job whose input line cannot make a command fails with the reason, and nothing of it runs', async () => {
    const runId = await runQueued(db, ['echo', 'got-{}'], { input: Buffer.from('one\nt\0wo\nthree\n') });
    const jobs = await query<{ seq: number; state: string }>(
      db.url,
      'SELECT seq, state FROM fanout.jobs WHERE run_id = $1 ORDER BY seq',
      [runId],
    );
    expect(jobs.map((job) => job.state)).toEqual(['ok', 'failed', 'ok']);
    const [failed] = await query<{ stdout: string; error: string; exit_code: number | null }>(
      db.url,
      'SELECT stdout, error, exit_code FROM fanout.attempts WHERE run_id = $1 AND seq = 2',
      [runId],
    );
    expect(failed).toMatchObject({ stdout: '', exit_code: null });
    expect(failed!.error).toContain('argument 1 of job #2 holds a NUL byte');
    expect(await outputs(db, runId)).toEqual(['got-one\n', '', 'got-three\n']);
  });

  /** Each job's start and end (ms) from its attempt record, by seq. */
  async function spans(runId: number): Promise<Map<number, { start: number; end: number; state: string }>> {
    const rows = await query<{
      seq: number;
      start: number | null;
      duration_ms: number | null;
      state: string;
    }>(
      db.url,
      `SELECT j.seq, j.state, extract(epoch FROM a.started_at) * 1000 AS start, a.duration_ms
         FROM fanout.jobs j LEFT JOIN fanout.attempts a ON a.run_id = j.run_id AND a.seq = j.seq
        WHERE j.run_id = $1 ORDER BY j.seq`,
      [runId],
    );
    return new Map(
      rows.map((row) => {
        const start = Number(row.start);
        return [row.seq, { start, end: start + Number(row.duration_ms), state: row.state }];
      }),
    );
  }

  it.each([
    ['1,3', ['a', 'b', 'c', 'd', 'e', 'f', 'g'], [[1], [2, 3, 4], [5, 6, 7]]],
    [
      '50%',
      ['a', 'b', 'c', 'd'],
      [
        [1, 2],
        [3, 4],
      ],
    ],
  ])(
    '--batches %s opens each batch once every job of the one before has ended',
    async (sizes, args, batches) => {
      const runId = await runQueued(db, ['sleep 0.3; echo {}', ':::', ...args], {
        flags: ['--batches', sizes],
        workerFlags: ['-j', '4'],
      });
      expect((await runFacts(db.url, runId)).run).toEqual({ state: 'done', total: args.length });
      const jobs = await spans(runId);
      for (let index = 1; index < batches.length; index += 1) {
        const before = Math.max(...batches[index - 1]!.map((seq) => jobs.get(seq)!.end));
        const after = Math.min(...batches[index]!.map((seq) => jobs.get(seq)!.start));
        expect(after).toBeGreaterThanOrEqual(before - 1);
      }
      // Within a batch the worker's 4 slots run its jobs side by side.
      const last = batches.at(-1)!.map((seq) => jobs.get(seq)!);
      expect(Math.max(...last.map((job) => job.start))).toBeLessThan(Math.min(...last.map((job) => job.end)));
    },
  );

  it('--batches with --halt soon: a failure in a batch keeps the next batches from starting', async () => {
    const runId = await runQueued(db, ['test {} != bad', ':::', 'ok', 'bad', 'ok', 'ok', 'ok'], {
      flags: ['--batches', '2', '--halt', 'soon,fail=1'],
      workerFlags: ['-j', '4'],
    });
    const facts = await runFacts(db.url, runId);
    expect(facts.run.state).toBe('halted');
    expect(facts.jobs.map((job) => [job.seq, job.state, job.attempts])).toEqual([
      [1, 'ok', 1],
      [2, 'failed', 1],
      [3, 'skipped', 0],
      [4, 'skipped', 0],
      [5, 'skipped', 0],
    ]);
  });

  it('--output-cap keeps that much of each attempt; the size and sha256 still describe the whole output', async () => {
    const runId = await runQueued(
      db,
      ['if [ {} = big ]; then seq 2000; else echo {}; fi', ':::', 'big', 'small'],
      {
        flags: ['--output-cap', '1k'],
      },
    );
    const [spec] = await query<{ output_cap: number }>(
      db.url,
      'SELECT output_cap FROM fanout.runs WHERE id = $1',
      [runId],
    );
    expect(spec!.output_cap).toBe(1024);
    const results = await runCli(['results', '--queue', db.url, String(runId), '--output', 'json']);
    expect(results.code).toBe(0);
    const [big, small] = results.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AttemptRecord);
    const whole = Array.from({ length: 2000 }, (_, index) => `${index + 1}\n`).join('');
    expect(big).toMatchObject({
      stdout: whole.slice(0, 1024),
      truncated: true,
      outputBytes: whole.length,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
    expect(small).toMatchObject({
      stdout: 'small\n',
      truncated: false,
      outputBytes: 6,
      sha256: createHash('sha256').update('small\n').digest('hex'),
    });
  });

  it.each([
    ['0', ['--queue', 'QUEUE', '--output-cap', '0'], 'expected a size'],
    ['a word', ['--queue', 'QUEUE', '--output-cap', 'lots'], 'expected a size'],
    ['over 256M', ['--queue', 'QUEUE', '--output-cap', '1G'], 'at most 256M'],
    ['without --queue', ['-i', 'INVENTORY', 'node1', '--output-cap', '1k'], 'needs --queue'],
  ])('--output-cap %s is a usage error naming it', async (_case, flags, reason) => {
    const { inventory } = localFleet(1);
    const words = flags.map((word) => (word === 'QUEUE' ? db.url : word === 'INVENTORY' ? inventory : word));
    const run = await runCli(['jobs', ...words, '--', 'echo', '{}', ':::', 'a']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(`--output-cap: ${reason}`);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['--stdin', ['--stdin'], 'queued jobs have no stdin'],
    ['--concurrency', ['-j', '4'], 'give -j to each `fanout worker`'],
    ['--delay', ['--delay', '1s'], 'workers start jobs as they free up'],
  ])('refuses %s on a queued run with a usage error naming it', async (flag, flags, reason) => {
    const run = await runCli(['jobs', '--queue', db.url, ...flags, '--', 'echo', '{}', ':::', 'a']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(`${flag}: not for a queued run: ${reason}`);
    expect(run.stdout).toBe('');
  });
});
