/**
 * `npm run bench:queue-queries`: how many SQL statements and transactions a job costs in a queue worker,
 * counted by PostgreSQL itself (pg_stat_statements and pg_stat_database), not timed.
 *  - QUEUE_JOBS (default 2,000) × QUEUE_COMMAND (default `true`), submitted first; the counters are reset before one worker
 *    (`-j 8`, one local target, `--run ID`) starts and read once it has exited.
 *  - Prints each statement with its calls per job, then statements and commits per job in all.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres } from '../test/support/postgres.js';
import { runCli } from './support.js';

const JOBS = Number(process.env.QUEUE_JOBS ?? 2000);
const COMMAND = process.env.QUEUE_COMMAND ?? 'true';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-queue-queries-'));
  const inventory = join(dir, 'fanout.yaml');
  writeFileSync(inventory, 'targets:\n  a: local\n');
  const db = await startPostgres({
    settings: [
      'shared_preload_libraries=pg_stat_statements',
      'pg_stat_statements.track=all',
      'pg_stat_statements.track_utility=on',
    ],
  });
  const env = { ...process.env, FANOUT_QUEUE: db.url };
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    await client.query('CREATE EXTENSION pg_stat_statements');
    const input = Array.from({ length: JOBS }, (_, index) => `${index + 1}\n`).join('');
    const runId = Number(
      (await runCli(['jobs', '--queue', '--progress', 'none', '--', COMMAND], env, input)).trim(),
    );
    const commits = async (): Promise<number> =>
      Number(
        (
          await client.query<{ n: string }>(
            'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]!.n,
      );
    await client.query('SELECT pg_stat_reset(), pg_stat_statements_reset()');
    const before = await commits();
    await runCli(['worker', '-i', inventory, '@all', '-j', '8', '--run', String(runId)], env);
    // Statistics reach pg_stat_database when a backend goes idle or ends; give them a moment.
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 1500));
    await client.query('SELECT pg_stat_clear_snapshot()');
    const after = await commits();
    const { rows } = await client.query<{ calls: string; query: string }>(
      `SELECT calls, query FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat%' ORDER BY calls DESC`,
    );
    const status = await runCli(['status', String(runId)], env);
    if (!status.includes(`jobs: ${JOBS} ok`)) throw new Error(`run ${runId} did not finish:\n${status}`);
    let total = 0;
    console.log(`SQL statements of one worker per job, ${JOBS} × ${COMMAND} (calls / jobs):`);
    for (const row of rows) {
      total += Number(row.calls);
      const text = row.query.replace(/\s+/g, ' ').slice(0, 110);
      console.log(`${(Number(row.calls) / JOBS).toFixed(3).padStart(8)}  ${text}`);
    }
    console.log(`${(total / JOBS).toFixed(3).padStart(8)}  statements per job in all`);
    console.log(
      `${((after - before) / JOBS).toFixed(3).padStart(8)}  commits per job (pg_stat_database, all sessions)`,
    );
  } finally {
    await client.end();
    db.stop();
  }
}

await main();
