import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { processesMatching, survivorsOf, uniqueSleep } from '../support/processes.js';
import { query, queueFleet, runFacts, startWorker, submit, until } from './support.js';

const lines = (count: number): string =>
  Array.from({ length: count }, (_, index) => `${index + 1}\n`).join('');

/** Per worker id, its attempts in state `running`. */
async function runningByWorker(url: string, runId: number): Promise<Map<string, number>> {
  const rows = await query<{ worker: string; n: number }>(
    url,
    `SELECT worker, count(*)::int AS n FROM fanout.attempts WHERE run_id = $1 AND state = 'running' GROUP BY worker`,
    [runId],
  );
  return new Map(rows.map((row) => [row.worker, row.n]));
}

describe(
  'queue workers over the 8 sshd fixtures and a local target (real PostgreSQL)',
  { timeout: 600_000 },
  () => {
    let db: PostgresFixture;
    beforeAll(async () => {
      db = await startPostgres();
    });
    afterAll(() => db?.stop());

    it('three workers run 2,000 jobs, each once unless its lease expired, and status and results account for all', async () => {
      const { dir, inventory } = queueFleet();
      const runId = await submit(db.url, ['echo', 'job-{}'], [], lines(2000));
      const workers = [1, 2, 3].map(() =>
        startWorker(db.url, inventory, ['-j', '12', '--run', String(runId)]),
      );
      const exits = await Promise.all(workers.map((worker) => worker.result));
      expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);

      const facts = await runFacts(db.url, runId);
      expect(facts.run).toEqual({ state: 'done', total: 2000 });
      expect(facts.jobs.filter((job) => job.state === 'ok')).toHaveLength(2000);
      const ended = facts.attempts.filter((attempt) => attempt.state === 'ended');
      for (const job of facts.jobs) {
        const mine = ended.filter((attempt) => attempt.seq === job.seq);
        expect(mine.at(-1)?.stdout).toBe(`job-${job.seq}\n`);
        // A job runs twice only when a lease expired: the earlier attempt is then marked lost.
        if (job.attempts > 1)
          expect(facts.attempts.some((a) => a.seq === job.seq && a.state === 'lost')).toBe(true);
      }
      expect(new Set(ended.map((attempt) => attempt.worker)).size).toBe(3);
      expect(new Set(ended.map((attempt) => attempt.target))).toEqual(
        new Set(['box', ...Array.from({ length: 8 }, (_, index) => `h${index + 1}`)]),
      );

      const status = await runCli(['status', '--queue', db.url, String(runId)]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`run ${runId}: done, 2000 jobs`);
      expect(status.stdout).toContain('jobs: 2000 ok');
      expect(status.stdout.match(/^ {2}worker /gm)).toHaveLength(3);
      expect(status.stdout.match(/^ {2}target /gm)).toHaveLength(9);

      const joblog = join(dir, 'run.log');
      const results = await runCli(['results', '--queue', db.url, String(runId), '--joblog', joblog]);
      expect(results.code).toBe(0);
      const logged = readFileSync(joblog, 'utf8').trim().split('\n');
      expect(logged[0]).toMatch(/^Seq\tHost\tStarttime/);
      expect(logged).toHaveLength(1 + ended.length);
      expect(logged[1]).toMatch(/^1\t\S+\t\d+\.\d{3}\t\s*\d+\.\d{3}\t0\t6\t0\t0\techo job-1$/);
    });

    it('a SIGKILLed worker’s jobs run again as second attempts on the others, and none is lost', async () => {
      const { inventory } = queueFleet();
      const runId = await submit(db.url, ['sleep 0.3; echo job-{}'], [], lines(150));
      const workers = [1, 2, 3].map(() =>
        startWorker(db.url, inventory, ['-j', '6', '--lease', '2s', '--run', String(runId)]),
      );
      const victim = workers[0]!.child;
      const victimId = (id: string): boolean => id.includes(`:${victim.pid}:`);
      await until(
        async () => [...(await runningByWorker(db.url, runId))].some(([id, n]) => victimId(id) && n >= 3),
        60_000,
        'the victim to hold running jobs',
      );
      victim.kill('SIGKILL');
      const exits = await Promise.all(workers.slice(1).map((worker) => worker.result));
      expect(exits.map((exit) => exit.code)).toEqual([0, 0]);

      const facts = await runFacts(db.url, runId);
      expect(facts.run.state).toBe('done');
      expect(facts.jobs.map((job) => job.state)).toEqual(Array(150).fill('ok'));
      const lost = facts.attempts.filter((attempt) => victimId(attempt.worker) && attempt.state === 'lost');
      expect(lost.length).toBeGreaterThanOrEqual(3);
      for (const attempt of lost) {
        const redo = facts.attempts.find(
          (other) => other.seq === attempt.seq && other.attempt === attempt.attempt + 1,
        );
        expect(redo).toMatchObject({ state: 'ended', stdout: `job-${attempt.seq}\n` });
        expect(victimId(redo!.worker)).toBe(false);
      }
    });

    it('workers ride out a database restart mid-run and lose no job', async () => {
      const { inventory } = queueFleet();
      const runId = await submit(db.url, ['sleep 0.05; echo job-{}'], [], lines(400));
      const workers = [1, 2, 3].map(() =>
        startWorker(db.url, inventory, ['-j', '8', '--run', String(runId)]),
      );
      await until(
        async () =>
          (
            await query<{ n: number }>(
              db.url,
              `SELECT count(*)::int AS n FROM fanout.jobs WHERE run_id = $1 AND state = 'ok'`,
              [runId],
            )
          )[0]!.n >= 40,
        120_000,
        '40 jobs done',
      );
      await db.restart({ downMs: 1500 });
      const exits = await Promise.all(workers.map((worker) => worker.result));
      expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
      const facts = await runFacts(db.url, runId);
      expect(facts.run).toEqual({ state: 'done', total: 400 });
      expect(facts.jobs.map((job) => job.state)).toEqual(Array(400).fill('ok'));
      const ended = facts.attempts.filter((attempt) => attempt.state === 'ended');
      for (const job of facts.jobs) {
        expect(ended.filter((a) => a.seq === job.seq).at(-1)?.stdout).toBe(`job-${job.seq}\n`);
      }
    });

    it('cancel kills the run’s remote and local jobs on every worker and skips the rest', async () => {
      const { inventory } = queueFleet();
      const { command, marker } = uniqueSleep();
      const runId = await submit(db.url, [`${command} # {}`], [], lines(40));
      const workers = [1, 2].map(() => startWorker(db.url, inventory, ['-j', '8', '--run', String(runId)]));
      await until(async () => processesMatching(marker).length >= 12, 60_000, 'sleeps on the hosts');
      const cancel = await runCli(['cancel', '--queue', db.url, String(runId)]);
      expect(cancel.code).toBe(0);
      expect(cancel.stdout).toContain(`run ${runId}: canceled`);
      expect(await survivorsOf(marker, 15_000)).toEqual([]);
      const exits = await Promise.all(workers.map((worker) => worker.result));
      expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
      const facts = await runFacts(db.url, runId);
      expect(facts.run.state).toBe('canceled');
      const states = new Set(facts.jobs.map((job) => job.state));
      expect([...states].sort()).toEqual(['canceled', 'skipped']);
      const killedBy = new Set(
        facts.attempts.filter((attempt) => attempt.state === 'ended').map((attempt) => attempt.worker),
      );
      expect(killedBy.size).toBe(2);
    });

    it('halt now after one failure kills the run’s jobs on every worker', async () => {
      const { inventory } = queueFleet();
      const { command, marker } = uniqueSleep();
      const runId = await submit(
        db.url,
        [`if [ {} = 1 ]; then sleep 3; exit 3; fi; ${command}`],
        ['--halt', 'now,fail=1'],
        lines(30),
      );
      const workers = [1, 2, 3].map(() =>
        startWorker(db.url, inventory, ['-j', '6', '--run', String(runId)]),
      );
      const exits = await Promise.all(workers.map((worker) => worker.result));
      expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
      expect(await survivorsOf(marker, 15_000)).toEqual([]);
      const facts = await runFacts(db.url, runId);
      expect(facts.run.state).toBe('halted');
      expect(facts.jobs[0]!.state).toBe('failed');
      expect(facts.jobs.filter((job) => job.state === 'ok')).toEqual([]);
      const canceledOn = await query<{ worker: string }>(
        db.url,
        `SELECT DISTINCT worker FROM fanout.attempts WHERE run_id = $1 AND stage = 'canceled'`,
        [runId],
      );
      expect(canceledOn.length).toBeGreaterThanOrEqual(2);
    });

    it('two runs at once keep their jobs and outputs apart, and --wait follows one to its end', async () => {
      const { inventory } = queueFleet();
      const first = await submit(db.url, ['echo', 'A-{}'], [], lines(100));
      const follower = startCli(
        ['jobs', '--queue', db.url, '--wait', '--output', 'json', '--progress', 'none', '--', 'echo', 'B-{}'],
        { input: lines(100) },
      );
      const workers = [1, 2, 3].map(() => startWorker(db.url, inventory, ['-j', '8']));
      const followed = await follower.result;
      expect(followed.code).toBe(0);
      const records = followed.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => JSON.parse(line) as { type: string; seq?: number; line?: string; ok?: boolean });
      const second = Number(followed.stdout.split('\n')[0]);
      expect(records.filter((record) => record.type === 'end' && record.ok)).toHaveLength(100);
      expect(
        records
          .filter((record) => record.type === 'output')
          .map((record) => record.line)
          .sort(),
      ).toEqual(Array.from({ length: 100 }, (_, index) => `B-${index + 1}`).sort());
      await until(async () => (await runFacts(db.url, first)).run.state === 'done', 120_000, 'run A to end');
      for (const worker of workers) worker.child.kill('SIGTERM');
      expect((await Promise.all(workers.map((worker) => worker.result))).map((exit) => exit.code)).toEqual([
        130, 130, 130,
      ]);
      for (const [runId, letter] of [
        [first, 'A'],
        [second, 'B'],
      ] as const) {
        const facts = await runFacts(db.url, runId);
        expect(facts.jobs.map((job) => job.state)).toEqual(Array(100).fill('ok'));
        const outputs = facts.attempts.filter((a) => a.state === 'ended').map((a) => `${a.seq}:${a.stdout}`);
        expect(outputs).toEqual(facts.jobs.map((job) => `${job.seq}:${letter}-${job.seq}\n`));
      }
    });

    it('never shows the password: not in status, results, worker logs or connection errors', async () => {
      const { inventory } = queueFleet();
      const runId = await submit(db.url, ['echo', '{}'], [], lines(3));
      const worker = await startWorker(db.url, inventory, ['--run', String(runId)]).result;
      const outputs = [
        worker,
        await runCli(['status', '--queue', db.url, String(runId)]),
        await runCli(['results', '--queue', db.url, String(runId), '--output', 'json']),
        await runCli(['status'], { env: { FANOUT_QUEUE: db.url } }),
        await runCli(['status', '--queue', db.url.replace(`:${db.port}/`, ':1/')]),
        await runCli(['status', '--queue', db.url.replace(db.password, `${db.password}x`)]),
        await runCli(['status'], {
          env: {
            PGHOST: '127.0.0.1',
            PGPORT: String(db.port),
            PGUSER: 'fanout',
            PGDATABASE: 'fanout',
            PGPASSWORD: db.password,
          },
        }),
      ];
      expect(outputs.map((run) => run.code)).toEqual([0, 0, 0, 0, 255, 255, 0]);
      expect(outputs[4]!.stderr).toContain(`postgres://fanout@127.0.0.1:1/fanout`);
      expect(outputs[5]!.stderr).toMatch(/password authentication failed/);
      expect(outputs[6]!.stdout).toContain(`run ${runId}: done`);
      for (const run of outputs) expect(run.stdout + run.stderr).not.toContain(db.password);
    });
  },
);
