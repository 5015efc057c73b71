import type pg from 'pg';
import { batchSizes, type FailurePolicy } from '../fleet/policy.js';
import { JOBS_CHANNEL, RUNS_CHANNEL } from './listen.js';
import type { ResolvedRunSpec } from './spec.js';
import type { Queue } from './connect.js';

/** A run as stored. */
export interface RunRow extends ResolvedRunSpec {
  readonly id: number;
  readonly state: RunState;
  readonly stop: RunStop | null;
  readonly total: number | null;
  readonly submittedAt: Date;
  readonly finishedAt: Date | null;
}

/** `running` → `stopping` (halted or canceled, jobs still being killed or drained) → `done`/`halted`/`canceled`. */
export type RunState = 'running' | 'stopping' | 'done' | 'halted' | 'canceled';

/** Why and how a run stops: `now` kills its running jobs, `soon` lets them finish. */
export interface RunStop {
  readonly mode: 'soon' | 'now';
  readonly reason: 'threshold' | 'canceled';
}

type Db = pg.Pool | pg.PoolClient;

/**
 * Takes, until the end of the transaction, the lock that orders the run's `finished` numbers: every
 * transaction that gives jobs of a run their `finished` number holds it, so those numbers commit in
 * order and a follower reading `finished > last` never skips a job.
 */
export async function lockFinishOrder(client: pg.PoolClient, runIds: readonly number[]): Promise<void> {
  for (const runId of [...new Set(runIds)].sort((a, b) => a - b)) {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [FINISH_LOCK, runId]);
  }
}

const FINISH_LOCK = 0x666e;

/**
 * Stores a new run (its jobs come after, in batches) and returns its id.
 *
 * @example
 * const id = await createRun(pool, normalizeRunSpec({ template: 'echo {}' }));
 */
export async function createRun(db: Db, spec: ResolvedRunSpec): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO fanout.runs (template, timeout_ms, kill_grace_ms, retries, backoff_ms, policy, output_cap, slot_marker, batch_end)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      spec.template,
      spec.timeoutMs ?? null,
      spec.killGraceMs,
      spec.retries,
      spec.backoffMs,
      JSON.stringify(spec.policy),
      spec.outputCap,
      spec.slotMarker ?? null,
      spec.policy.batches === undefined ? null : 0,
    ],
  );
  const id = Number(rows[0]!.id);
  await openBatches(db, [id]);
  return id;
}

/** Reads a run, or undefined when there is none with that id. */
export async function loadRun(db: Db, id: number): Promise<RunRow | undefined> {
  const { rows } = await db.query('SELECT * FROM fanout.runs WHERE id = $1', [id]);
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return {
    id: Number(row.id),
    template: row.template as string,
    timeoutMs: (row.timeout_ms as number | null) ?? undefined,
    killGraceMs: row.kill_grace_ms as number,
    retries: row.retries as number,
    backoffMs: row.backoff_ms as number,
    policy: row.policy as FailurePolicy,
    outputCap: row.output_cap as number,
    slotMarker: row.slot_marker === null ? undefined : Number(row.slot_marker),
    state: row.state as RunState,
    stop: row.stop as RunStop | null,
    total: row.total as number | null,
    submittedAt: row.submitted_at as Date,
    finishedAt: row.finished_at as Date | null,
  };
}

/**
 * The ids of the queue's latest runs, newest first.
 *
 * @example
 * for (const id of await listRuns(queue, 5)) console.log((await runStatus(queue, id))?.run.state);
 */
export async function listRuns(queue: Queue, limit = 20): Promise<number[]> {
  const { rows } = await queue.pool.query<{ id: string }>(
    'SELECT id FROM fanout.runs ORDER BY id DESC LIMIT $1',
    [limit],
  );
  return rows.map((row) => Number(row.id));
}

/**
 * Cancels a run: its queued jobs are skipped and every worker kills its running jobs within seconds.
 * Resolves false when the run had already ended (or there is no such run).
 *
 * @example
 * if (await cancelRun(queue, 7)) console.log('run 7 canceled');
 */
export function cancelRun(queue: Queue, runId: number): Promise<boolean> {
  return stopRun(queue.pool, runId, { mode: 'now', reason: 'canceled' });
}

/**
 * Stops a running run: its queued jobs are skipped, and workers are told (`now`: kill its running jobs).
 * Returns false when the run was no longer running.
 */
export async function stopRun(db: pg.Pool, id: number, stop: RunStop): Promise<boolean> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await lockFinishOrder(client, [id]);
    const { rowCount } = await client.query(
      `UPDATE fanout.runs SET state = 'stopping', stop = $2 WHERE id = $1 AND state = 'running'`,
      [id, JSON.stringify(stop)],
    );
    if (rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(
      `UPDATE fanout.jobs SET state = 'skipped', finished = nextval('fanout.finish_order')
       WHERE run_id = $1 AND state = 'queued'`,
      [id],
    );
    await client.query('SELECT pg_notify($1, $2)', [RUNS_CHANNEL, String(id)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  await settleRuns(db, [id]);
  return true;
}

/**
 * Opens the next rolling batch of each of these runs whose open batches have ended (no job up to
 * `batch_end` queued or running) while the run still runs: `batch_end` moves to the next batch's last job.
 * A batch given as a share of all jobs opens once the run's total is known. Safe to call from many
 * processes at once: the move is made only from the `batch_end` it was computed from.
 */
export async function openBatches(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await db.query<{
    id: string;
    policy: FailurePolicy;
    batch_end: number;
    total: number | null;
  }>(
    `SELECT r.id, r.policy, r.batch_end, r.total FROM fanout.runs r
      WHERE r.id = ANY($1::bigint[]) AND r.state = 'running' AND r.batch_end IS NOT NULL
        AND (r.total IS NULL OR r.batch_end < r.total)
        AND NOT EXISTS (SELECT 1 FROM fanout.jobs j
                         WHERE j.run_id = r.id AND j.seq <= r.batch_end AND j.state IN ('queued', 'running'))`,
    [ids],
  );
  for (const run of rows) {
    const sizes = run.policy.batches!;
    if (run.total === null && sizes.some((size) => typeof size === 'string')) continue;
    let end = 0;
    for (const size of batchSizes(sizes, run.total ?? undefined)) {
      end += size;
      if (end > run.batch_end) break;
    }
    if (end <= run.batch_end) continue;
    const moved = await db.query('UPDATE fanout.runs SET batch_end = $2 WHERE id = $1 AND batch_end = $3', [
      run.id,
      end,
      run.batch_end,
    ]);
    if (moved.rowCount) await db.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, run.id]);
  }
}

/**
 * Ends the runs that have nothing left queued or running (and whose submission is complete): `done`, or
 * `halted` / `canceled` when they were stopped.
 */
export async function settleRuns(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await db.query<{ id: string }>(
    `UPDATE fanout.runs r
        SET state = CASE WHEN r.stop IS NULL THEN 'done'
                         WHEN r.stop->>'reason' = 'canceled' THEN 'canceled' ELSE 'halted' END,
            finished_at = now()
      WHERE r.id = ANY($1::bigint[]) AND r.state IN ('running', 'stopping')
        AND (r.total IS NOT NULL OR r.state = 'stopping')
        AND NOT EXISTS (SELECT 1 FROM fanout.jobs j WHERE j.run_id = r.id AND j.state IN ('queued', 'running'))
      RETURNING r.id`,
    [ids],
  );
  for (const row of rows) await db.query('SELECT pg_notify($1, $2)', [RUNS_CHANNEL, row.id]);
}
