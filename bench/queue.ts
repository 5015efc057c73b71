/**
 * `npm run bench:queue`: jobs/s through the PostgreSQL run queue (a real server started here) with 1, 2 and
 * 4 local worker processes, against one `fanout jobs` on the same targets, in the same run.
 *  - BENCH_JOBS (default 10,000) × `true` over 4 local targets; each worker and `fanout jobs` use -j 8.
 *  - A queue row's time runs from starting its workers to the last of them exiting (`--run ID` makes each
 *    exit when the run ends); submission (`fanout jobs --queue`, inserts in batches) is timed on its own.
 *  - Queue overhead per job = (1 worker − fanout jobs) / jobs.
 *  - PostgreSQL's CPU per job (every server process, while the workers run) is printed beside each queue row.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/support/postgres.js';
import { CLI, printTable, runCli, timeAsync, timeShell, type Row } from './support.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const WORKERS = [1, 2, 4];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-queue-'));
  const inventory = join(dir, 'fanout.yaml');
  writeFileSync(inventory, 'targets:\n  a: local\n  b: local\n  c: local\n  d: local\n');
  const input = Array.from({ length: JOBS }, (_, index) => `${index + 1}\n`).join('');
  const inputFile = join(dir, 'input');
  writeFileSync(inputFile, input);
  const db = await startPostgres();
  const env = { ...process.env, FANOUT_QUEUE: db.url };
  const rows: Row[] = [];
  try {
    rows.push({
      name: 'fanout jobs @all -j 8',
      seconds: timeShell(`node ${CLI} jobs -i ${inventory} @all -j 8 --progress none -- true < ${inputFile}`),
    });
    for (const count of WORKERS) {
      let runId = 0;
      const submitSeconds = await timeAsync(async () => {
        runId = Number(
          (await runCli(['jobs', '--queue', '--progress', 'none', '--', 'true'], env, input)).trim(),
        );
      });
      const cpuBefore = db.cpuSeconds();
      const seconds = await timeAsync(() =>
        Promise.all(
          Array.from({ length: count }, () =>
            runCli(['worker', '-i', inventory, '@all', '-j', '8', '--run', String(runId)], env),
          ),
        ),
      );
      const serverMs = ((db.cpuSeconds() - cpuBefore) / JOBS) * 1000;
      const status = await runCli(['status', String(runId)], env);
      if (!status.includes(`jobs: ${JOBS} ok`)) throw new Error(`run ${runId} did not finish:\n${status}`);
      rows.push({
        name: `queue, ${count} worker${count > 1 ? 's' : ''} × -j 8`,
        seconds,
        note: `submit ${submitSeconds.toFixed(2)}s, PostgreSQL ${serverMs.toFixed(2)} ms CPU per job`,
      });
    }
  } finally {
    db.stop();
  }
  printTable(`Queue: ${JOBS} × true over 4 local targets`, JOBS, rows, 'fanout jobs @all -j 8');
  const base = rows[0]!.seconds!;
  const one = rows[1]!.seconds!;
  console.log(`queue overhead with 1 worker: ${(((one - base) / JOBS) * 1000).toFixed(3)} ms per job`);
}

await main();
