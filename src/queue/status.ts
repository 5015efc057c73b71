import type { Queue } from './connect.js';
import { loadRun, type RunRow } from './runs.js';

/** Where a run stands: jobs per state, attempts per worker and per target, and an estimate of the rest. */
export interface RunStatus {
  readonly run: RunRow;
  /**
   * Jobs per state: queued, claimed (by a worker, not started yet), running, ok, failed, timeout,
   * unreachable, canceled, skipped.
   */
  readonly jobs: Readonly<Record<string, number>>;
  /** Per worker: attempts claimed and not started yet, running now, ended, and lost (lease expired). */
  readonly workers: readonly {
    readonly worker: string;
    readonly claimed: number;
    readonly running: number;
    readonly ended: number;
    readonly lost: number;
  }[];
  /** Per target: attempts ended there, and how many of them succeeded. */
  readonly targets: readonly { readonly target: string; readonly ended: number; readonly ok: number }[];
  /** Attempts ended per second over the last minute. */
  readonly rate: number;
  /** Time left at that rate; undefined when nothing is left or nothing ended lately. */
  readonly etaMs: number | undefined;
}

/**
 * Reads a run's status, or undefined when there is no such run.
 *
 * @example
 * const status = await runStatus(queue, 7);
 * console.log(status?.jobs.queued, status?.etaMs);
 */
export async function runStatus(queue: Queue, runId: number): Promise<RunStatus | undefined> {
  const db = queue.pool;
  const run = await loadRun(db, runId);
  if (!run) return undefined;
  const states = await db.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM fanout.jobs WHERE run_id = $1 GROUP BY state',
    [runId],
  );
  const workers = await db.query<{
    worker: string;
    claimed: number;
    running: number;
    ended: number;
    lost: number;
  }>(
    `SELECT worker, count(*) FILTER (WHERE state = 'running' AND started_at IS NULL)::int AS claimed,
            count(*) FILTER (WHERE state = 'running' AND started_at IS NOT NULL)::int AS running,
            count(*) FILTER (WHERE state = 'ended')::int AS ended,
            count(*) FILTER (WHERE state = 'lost')::int AS lost
       FROM fanout.attempts WHERE run_id = $1 GROUP BY worker ORDER BY worker`,
    [runId],
  );
  const targets = await db.query<{ target: string; ended: number; ok: number }>(
    `SELECT target, count(*)::int AS ended,
            count(*) FILTER (WHERE stage = 'run' AND exit_code = 0 AND signal IS NULL)::int AS ok
       FROM fanout.attempts WHERE run_id = $1 AND state = 'ended' AND target IS NOT NULL
      GROUP BY target ORDER BY target`,
    [runId],
  );
  const recent = await db.query<{ n: number; span: number }>(
    `SELECT count(*)::int AS n,
            extract(epoch FROM now() - greatest(min(ended_at), now() - interval '60 seconds'))::float8 AS span
       FROM fanout.attempts WHERE run_id = $1 AND state = 'ended' AND ended_at > now() - interval '60 seconds'`,
    [runId],
  );
  const jobs: Record<string, number> = {};
  for (const row of states.rows) jobs[row.state] = row.n;
  // A job is running once its worker started it; until then it is claimed (workers claim ahead).
  const claimed = workers.rows.reduce((sum, row) => sum + row.claimed, 0);
  if (claimed > 0) {
    jobs.claimed = claimed;
    jobs.running = Math.max(0, (jobs.running ?? 0) - claimed);
    if (jobs.running === 0) delete jobs.running;
  }
  const { n, span } = recent.rows[0] ?? { n: 0, span: 0 };
  const rate = n > 0 && span > 0 ? n / span : 0;
  const left = (jobs.queued ?? 0) + (jobs.claimed ?? 0) + (jobs.running ?? 0);
  return {
    run,
    jobs,
    workers: workers.rows,
    targets: targets.rows,
    rate,
    etaMs: left > 0 && rate > 0 ? (left / rate) * 1000 : undefined,
  };
}
