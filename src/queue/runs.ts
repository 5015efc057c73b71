import type pg from 'pg';
import type { FailurePolicy } from '../fleet/policy.js';
import { RUNS_CHANNEL } from './listen.js';
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
    `INSERT INTO fanout.runs (template, timeout_ms, kill_grace_ms, retries, backoff_ms, policy, output_cap, slot_marker)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      spec.template,
      spec.timeoutMs ?? null,
      spec.killGraceMs,
      spec.retries,
      spec.backoffMs,
      JSON.stringify(spec.policy),
      spec.outputCap,
      spec.slotMarker ?? null,
    ],
  );
  return Number(rows[0]!.id);
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
