import type pg from 'pg';
import { JOBS_CHANNEL } from './listen.js';
import { createRun, settleRuns, type RunSpec } from './runs.js';

/** One job to submit: its number, arguments and command line. */
export interface QueuedJobInput {
  readonly seq: number;
  readonly args: readonly string[];
  readonly command: string;
}

/** Options of {@link submitRun}; every field is optional. */
export interface SubmitOptions {
  /** Jobs inserted per statement. Default: 500. */
  readonly batchSize?: number;
  /** Called with the run id as soon as the run exists, before its jobs are read. Default: none. */
  readonly onCreated?: (runId: number) => void;
}

/**
 * Stores a run and its jobs: the input is read lazily and inserted in batches, each batch claimable at once
 * (workers are woken by NOTIFY). Reading stops early when the run is halted or canceled meanwhile. Resolves
 * with the run id and the number of jobs stored.
 *
 * @example
 * const { runId } = await submitRun(pool, spec, jobs, { onCreated: (id) => console.log(id) });
 */
export async function submitRun(
  pool: pg.Pool,
  spec: RunSpec,
  jobs: AsyncIterable<QueuedJobInput> | Iterable<QueuedJobInput>,
  options: SubmitOptions = {},
): Promise<{ readonly runId: number; readonly total: number }> {
  const batchSize = options.batchSize ?? 500;
  const runId = await createRun(pool, spec);
  options.onCreated?.(runId);
  let batch: QueuedJobInput[] = [];
  let open = true;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const { rows } = await pool.query<{ running: boolean }>(
      `WITH run AS (SELECT state = 'running' AS running FROM fanout.runs WHERE id = $1),
            added AS (
              INSERT INTO fanout.jobs (run_id, seq, args, command)
              SELECT $1, s, ARRAY(SELECT jsonb_array_elements_text(a)), c
                FROM unnest($2::int[], $3::jsonb[], $4::text[]) AS input(s, a, c)
               WHERE (SELECT running FROM run)
              RETURNING 1)
       SELECT (SELECT running FROM run) AS running, pg_notify($5, $1::text), (SELECT count(*) FROM added)`,
      [
        runId,
        batch.map((job) => job.seq),
        batch.map((job) => JSON.stringify(job.args)),
        batch.map((job) => job.command),
        JOBS_CHANNEL,
      ],
    );
    open = rows[0]?.running === true;
    batch = [];
  };
  for await (const job of jobs) {
    batch.push(job);
    if (batch.length >= batchSize) await flush();
    if (!open) break;
  }
  if (open) await flush();
  const { rows } = await pool.query<{ total: number }>(
    `UPDATE fanout.runs SET total = (SELECT count(*) FROM fanout.jobs WHERE run_id = $1) WHERE id = $1 RETURNING total`,
    [runId],
  );
  // Fast workers may have finished every job already: the run ends now that its total is known.
  await settleRuns(pool, [runId]);
  return { runId, total: rows[0]!.total };
}
