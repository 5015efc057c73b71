import type pg from 'pg';
import { isThresholdReached } from '../fleet/policy.js';
import { loadRun, stopRun } from './runs.js';

/**
 * Applies a run's halt policy to the whole run, counting the final states of all its jobs whichever worker
 * ran them: once the threshold is reached the run stops (`soon`: queued jobs are skipped; `now`: running
 * ones are killed too). Returns true when this call stopped the run.
 *
 * @example
 * if (await applyHaltPolicy(pool, runId)) console.error(`run ${runId} halted`);
 */
export async function applyHaltPolicy(db: pg.Pool, runId: number): Promise<boolean> {
  const run = await loadRun(db, runId);
  if (!run || run.state !== 'running' || run.policy.halt === 'never') return false;
  const { rows } = await db.query<{ failed: number; timeout: number; unreachable: number; started: number }>(
    `SELECT count(*) FILTER (WHERE state = 'failed')::int AS failed,
            count(*) FILTER (WHERE state = 'timeout')::int AS timeout,
            count(*) FILTER (WHERE state = 'unreachable')::int AS unreachable,
            count(*) FILTER (WHERE attempts > 0)::int AS started
       FROM fanout.jobs WHERE run_id = $1`,
    [runId],
  );
  const tally = { ...rows[0]!, total: run.total ?? undefined };
  if (!isThresholdReached(run.policy, tally)) return false;
  return stopRun(db, runId, { mode: run.policy.halt, reason: 'threshold' });
}
