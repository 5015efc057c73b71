import type pg from 'pg';
import { JOBS_CHANNEL } from './listen.js';
import { lockFinishOrder } from './runs.js';

/** A job a worker holds a lease on: attempt `attempt` of job `seq` of run `runId`. */
export interface ClaimedJob {
  readonly attemptId: number;
  readonly runId: number;
  readonly seq: number;
  readonly attempt: number;
  readonly args: readonly string[];
  readonly command: string;
  /** Bytes for the command's stdin (a `--pipe` chunk). */
  readonly stdin: Buffer | undefined;
  /** Why the job cannot run: it fails with this message and nothing starts. */
  readonly error: string | undefined;
}

/** How an attempt ended, as a worker writes it back. */
export interface AttemptResult {
  readonly attemptId: number;
  readonly runId: number;
  readonly seq: number;
  readonly attempt: number;
  readonly target: string | null;
  /** As in a fleet report; `skipped` means the worker gave the job back without starting it. */
  readonly stage: 'run' | 'connect' | 'timeout' | 'canceled' | 'skipped';
  readonly ok: boolean;
  /** The job's state if this attempt is its last: ok, failed, timeout, unreachable. */
  readonly outcome: 'ok' | 'failed' | 'timeout' | 'unreachable' | 'canceled' | 'skipped';
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly startedAt: number | null;
  readonly durationMs: number;
  readonly outputBytes: number;
  readonly sha256: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly error: string | null;
  /** The error's code (`CONNECTION_LOST`, `MAX_BUFFER` …). */
  readonly errorCode: string | null;
  /** The command as this attempt ran it, where it differs from the job's (the worker filled in `{%}`). */
  readonly command: string | null;
}

/**
 * Claims up to `limit` queued jobs of a running run, oldest first, skipping rows other workers hold
 * (`FOR UPDATE SKIP LOCKED`): each becomes a new attempt leased to `worker` for `leaseMs`.
 */
export async function claimJobs(
  db: pg.Pool,
  worker: string,
  runId: number,
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  const { rows } = await db.query(
    `WITH picked AS (
       SELECT j.run_id, j.seq FROM fanout.jobs j
        WHERE j.run_id = $2 AND j.state = 'queued' AND (j.not_before IS NULL OR j.not_before <= now())
          AND EXISTS (SELECT 1 FROM fanout.runs r WHERE r.id = $2 AND r.state = 'running'
                                                      AND (r.batch_end IS NULL OR j.seq <= r.batch_end))
        ORDER BY j.seq LIMIT $3
        FOR UPDATE OF j SKIP LOCKED),
     taken AS (
       UPDATE fanout.jobs j SET state = 'running', attempts = j.attempts + 1, not_before = NULL
         FROM picked WHERE j.run_id = picked.run_id AND j.seq = picked.seq
       RETURNING j.seq, j.args, j.command, j.stdin, j.error, j.attempts),
     leased AS (
       INSERT INTO fanout.attempts (run_id, seq, attempt, worker, lease_until)
       SELECT $2, seq, attempts, $1, now() + $4 * interval '1 millisecond' FROM taken
       RETURNING id, seq)
     SELECT l.id, t.seq, t.attempts, t.args, t.command, t.stdin, t.error FROM taken t JOIN leased l USING (seq) ORDER BY t.seq`,
    [worker, runId, limit, leaseMs],
  );
  return rows.map((row: Record<string, unknown>) => ({
    attemptId: Number(row.id),
    runId,
    seq: row.seq as number,
    attempt: row.attempts as number,
    args: row.args as string[],
    command: row.command as string,
    stdin: (row.stdin as Buffer | null) ?? undefined,
    error: (row.error as string | null) ?? undefined,
  }));
}

/** The oldest running run with a job claimable now, or undefined. */
export async function findClaimableRun(db: pg.Pool): Promise<number | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id FROM fanout.runs r
      WHERE r.state = 'running'
        AND EXISTS (SELECT 1 FROM fanout.jobs j WHERE j.run_id = r.id AND j.state = 'queued'
                       AND (j.not_before IS NULL OR j.not_before <= now())
                       AND (r.batch_end IS NULL OR j.seq <= r.batch_end))
      ORDER BY r.id LIMIT 1`,
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/**
 * Writes attempts back in one transaction and moves their jobs on: to their final state, back to the
 * queue for a retry (after the run's backoff) or when the worker gave them back, or to `canceled` /
 * `skipped` when the run is stopping. A result for an attempt whose job was meanwhile claimed again (its
 * lease had expired) is kept as that attempt's record and leaves the job alone. Returns the runs touched,
 * those with a job that failed for good, and those in rolling batches.
 */
export async function completeAttempts(
  db: pg.Pool,
  results: readonly AttemptResult[],
): Promise<{ readonly runs: number[]; readonly failedRuns: number[]; readonly batchedRuns: number[] }> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await lockFinishOrder(
      client,
      results.map((result) => result.runId),
    );
    const payload = JSON.stringify(
      results.map((result) => ({
        ...result,
        startedAt: result.startedAt === null ? null : new Date(result.startedAt).toISOString(),
      })),
    );
    // Each job row is reached once, by primary key, from the UPDATE itself (a self-join had the planner
    // scan every job of the run per result while the run's statistics were stale). `retry` is a failure
    // while the run runs: the job goes back to the queue when it has retries left.
    const { rows } = await client.query<{ run_id: string; state: string; batched: boolean }>(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
           "attemptId" bigint, "runId" bigint, seq int, attempt int, target text, stage text, ok boolean,
           outcome text, "exitCode" int, signal text, "startedAt" timestamptz, "durationMs" double precision,
           "outputBytes" bigint, sha256 text, stdout text, stderr text, truncated boolean, error text, "errorCode" text,
           command text)),
       recorded AS (
         UPDATE fanout.attempts a
            SET state = CASE WHEN i.stage = 'skipped' THEN 'released' ELSE 'ended' END,
                target = i.target, stage = i.stage, exit_code = i."exitCode", signal = i.signal,
                started_at = i."startedAt", ended_at = now(), duration_ms = i."durationMs",
                output_bytes = i."outputBytes", sha256 = i.sha256, stdout = i.stdout, stderr = i.stderr,
                truncated = i.truncated, error = i.error, error_code = i."errorCode", command = i.command
           FROM input i WHERE a.id = i."attemptId" AND a.state IN ('running', 'lost')
         RETURNING a.id),
       next AS (
         SELECT i.*, r.retries, r.backoff_ms, r.batch_end IS NOT NULL AS batched,
                CASE WHEN i.stage IN ('canceled', 'skipped') AND r.state = 'running' THEN 'queued'
                     WHEN i.stage IN ('canceled', 'skipped') THEN i.stage
                     WHEN i.ok THEN 'ok'
                     WHEN r.state = 'running' THEN 'retry'
                     ELSE i.outcome END AS next
           FROM input i JOIN fanout.runs r ON r.id = i."runId")
       UPDATE fanout.jobs j
          SET state = CASE WHEN n.next <> 'retry' THEN n.next
                           WHEN j.failures < n.retries THEN 'queued' ELSE n.outcome END,
              failures = j.failures + (n.next = 'retry' AND j.failures < n.retries)::int,
              not_before = CASE WHEN n.next = 'retry' AND j.failures < n.retries
                                THEN now() + least(n.backoff_ms * 2 ^ j.failures, 30000) * interval '1 millisecond' END,
              finished = CASE WHEN n.next = 'queued' OR (n.next = 'retry' AND j.failures < n.retries) THEN NULL
                              ELSE nextval('fanout.finish_order') END
         FROM next n
        WHERE j.run_id = n."runId" AND j.seq = n.seq AND j.attempts = n.attempt AND j.state IN ('running', 'queued')
       RETURNING j.run_id, j.state, n.batched`,
      [payload],
    );
    const requeued = new Set(rows.filter((row) => row.state === 'queued').map((row) => row.run_id));
    for (const runId of requeued) await client.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, runId]);
    await client.query('COMMIT');
    const failed = new Set(['failed', 'timeout', 'unreachable']);
    return {
      runs: [...new Set(rows.map((row) => Number(row.run_id)))],
      failedRuns: [...new Set(rows.filter((row) => failed.has(row.state)).map((row) => Number(row.run_id)))],
      batchedRuns: [...new Set(rows.filter((row) => row.batched).map((row) => Number(row.run_id)))],
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Extends the leases of every attempt `worker` holds, and records that it is alive. */
export async function heartbeat(db: pg.Pool, worker: string, leaseMs: number): Promise<void> {
  await db.query(
    `WITH alive AS (UPDATE fanout.workers SET heartbeat_at = now() WHERE id = $1)
     UPDATE fanout.attempts SET lease_until = now() + $2 * interval '1 millisecond', heartbeat_at = now()
      WHERE worker = $1 AND state = 'running'`,
    [worker, leaseMs],
  );
}

/**
 * Marks attempts whose lease expired as `lost` and puts their jobs back in the queue (or cancels them when
 * their run is stopping): the job runs again as its next attempt. Returns the runs touched.
 */
export async function reapExpired(db: pg.Pool): Promise<number[]> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const expired = await client.query<{ run_id: string }>(
      `SELECT DISTINCT run_id FROM fanout.attempts WHERE state = 'running' AND lease_until < now()`,
    );
    if (expired.rows.length === 0) {
      await client.query('ROLLBACK');
      return [];
    }
    await lockFinishOrder(
      client,
      expired.rows.map((row) => Number(row.run_id)),
    );
    const { rows } = await client.query<{ run_id: string; state: string }>(
      `WITH lost AS (
         UPDATE fanout.attempts SET state = 'lost'
          WHERE state = 'running' AND lease_until < now() AND run_id = ANY($1::bigint[])
         RETURNING run_id, seq, attempt)
       UPDATE fanout.jobs j
          SET state = CASE WHEN r.state = 'running' THEN 'queued' ELSE 'canceled' END,
              finished = CASE WHEN r.state = 'running' THEN NULL ELSE nextval('fanout.finish_order') END
         FROM lost l, fanout.runs r
        WHERE j.run_id = l.run_id AND j.seq = l.seq AND j.attempts = l.attempt AND j.state = 'running'
          AND r.id = l.run_id
       RETURNING j.run_id, j.state`,
      [expired.rows.map((row) => row.run_id)],
    );
    const requeued = new Set(rows.filter((row) => row.state === 'queued').map((row) => row.run_id));
    for (const runId of requeued) await client.query('SELECT pg_notify($1, $2)', [JOBS_CHANNEL, runId]);
    await client.query('COMMIT');
    return [...new Set(rows.map((row) => Number(row.run_id)))];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Records a worker: its id, host, pid and the targets it runs jobs on. */
export async function registerWorker(
  db: pg.Pool,
  worker: {
    readonly id: string;
    readonly host: string;
    readonly pid: number;
    readonly targets: readonly string[];
  },
): Promise<void> {
  await db.query(
    `INSERT INTO fanout.workers (id, host, pid, targets) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
    [worker.id, worker.host, worker.pid, worker.targets],
  );
}
