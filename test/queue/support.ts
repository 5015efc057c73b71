import pg from 'pg';
import { runCli, startCli, type CliRun } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

/** A fresh directory with an inventory of the 8 sshd fixtures (`h1`…`h8`) and one local target (`box`). */
export function queueFleet(): { dir: string; inventory: string } {
  return sshInventory([], ['box']);
}

/** Submits a run with `fanout jobs --queue`; resolves with its id. */
export async function submit(
  url: string,
  words: readonly string[],
  flags: readonly string[] = [],
  input = '',
): Promise<number> {
  const run = await runCli(['jobs', '--queue', url, '--progress', 'none', ...flags, '--', ...words], {
    input,
  });
  if (run.code !== 0) throw new Error(`submit failed (${run.code}): ${run.stderr}`);
  return Number(run.stdout.trim());
}

/** Starts `fanout worker` on the fixtures' inventory. */
export function startWorker(
  url: string,
  inventory: string,
  flags: readonly string[] = [],
): { child: ReturnType<typeof startCli>['child']; result: Promise<CliRun> } {
  return startCli(['worker', '--queue', url, '-i', inventory, '@all', ...flags]);
}

/** Runs a query on the queue's database. */
export async function query<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Jobs per state, attempts per job, and the lost attempts of a run. */
export async function runFacts(url: string, runId: number) {
  const jobs = await query<{ seq: number; state: string; attempts: number; args: string[] }>(
    url,
    'SELECT seq, state, attempts, args FROM fanout.jobs WHERE run_id = $1 ORDER BY seq',
    [runId],
  );
  const attempts = await query<{
    seq: number;
    attempt: number;
    state: string;
    worker: string;
    stdout: string | null;
    target: string | null;
  }>(
    url,
    'SELECT seq, attempt, state, worker, stdout, target FROM fanout.attempts WHERE run_id = $1 ORDER BY seq, attempt',
    [runId],
  );
  const [run] = await query<{ state: string; total: number }>(
    url,
    'SELECT state, total FROM fanout.runs WHERE id = $1',
    [runId],
  );
  return { jobs, attempts, run: run! };
}

/** Waits until `check` resolves true. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
