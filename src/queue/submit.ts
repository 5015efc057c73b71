import type { FleetJobInput } from '../fleet/job.js';
import { normalizeJob, type FleetJob } from '../fleet/job.js';
import type { Queue } from './connect.js';
import { JOBS_CHANNEL } from './listen.js';
import { createRun, openBatches, settleRuns } from './runs.js';
import { normalizeRunSpec, type RunSpec } from './spec.js';

/** Options of {@link submitRun}; every field is optional. */
export interface SubmitOptions {
  /** Jobs inserted per statement. Default: 500. */
  readonly batchSize?: number;
  /** Called with the run id as soon as the run exists, before its jobs are read. Default: none. */
  readonly onCreated?: (runId: number) => void;
}

/** What a run's submission stored. */
export interface SubmittedRun {
  readonly runId: number;
  /** How many jobs were stored: fewer than the input held when the run was stopped meanwhile. */
  readonly total: number;
}

/** A lone surrogate: what Node makes of bytes that are not UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;
const isStorable = (text: string): boolean => !LONE_SURROGATE.test(text) && !text.includes('\0');

/**
 * The job as PostgreSQL can store it. A job that fails anyway (its `error` says why) keeps its text with a NUL
 * byte or a lone surrogate replaced; any other job holding one is refused, as it cannot run as given.
 */
function storableJob(input: FleetJobInput, position: number): FleetJob {
  const job = normalizeJob(input, position);
  if (typeof job.stdin === 'function') throw new TypeError(`job #${job.seq}: its stdin must be a Buffer`);
  if ([job.command, ...job.args].every(isStorable)) return job;
  if (job.error === undefined) {
    throw new TypeError(
      `job #${job.seq}: a NUL byte or text that is not UTF-8 cannot be stored in the queue`,
    );
  }
  const clean = (text: string): string => text.replace(/\p{Cs}/gu, '\uFFFD').replaceAll('\0', '\uFFFD');
  return { ...job, command: clean(job.command), args: job.args.map(clean) };
}

/**
 * Stores a run and its jobs (command strings, or `{ command, args?, seq?, stdin?, error? }` as `distribute`
 * takes them): the input is read lazily and inserted in batches, each batch claimable at once (workers are
 * woken by NOTIFY). Reading stops early when the run is halted or canceled meanwhile. Resolves with the run
 * id and the number of jobs stored.
 *
 * @example
 * const queue = await openQueue('postgres://fanout@db/fanout');
 * const { runId } = await submitRun(queue, { template: 'gzip {}', retries: 2 }, ['gzip a.log', 'gzip b.log']);
 */
export async function submitRun(
  queue: Queue,
  spec: RunSpec,
  jobs: Iterable<FleetJobInput> | AsyncIterable<FleetJobInput>,
  options: SubmitOptions = {},
): Promise<SubmittedRun> {
  const { pool } = queue;
  const batchSize = options.batchSize ?? 500;
  const runId = await createRun(pool, normalizeRunSpec(spec));
  options.onCreated?.(runId);
  let batch: FleetJob[] = [];
  let open = true;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const { rows } = await pool.query<{ running: boolean }>(
      `WITH run AS (SELECT state = 'running' AS running FROM fanout.runs WHERE id = $1),
            added AS (
              INSERT INTO fanout.jobs (run_id, seq, args, command, stdin, error)
              SELECT $1, s, ARRAY(SELECT jsonb_array_elements_text(a)), c, i, e
                FROM unnest($2::int[], $3::jsonb[], $4::text[], $5::bytea[], $6::text[]) AS input(s, a, c, i, e)
               WHERE (SELECT running FROM run)
              RETURNING 1)
       SELECT (SELECT running FROM run) AS running, pg_notify($7, $1::text), (SELECT count(*) FROM added)`,
      [
        runId,
        batch.map((job) => job.seq),
        batch.map((job) => JSON.stringify(job.args)),
        batch.map((job) => job.command),
        batch.map((job) => job.stdin ?? null),
        batch.map((job) => job.error ?? null),
        JOBS_CHANNEL,
      ],
    );
    open = rows[0]?.running === true;
    batch = [];
  };
  let position = 0;
  for await (const input of jobs) {
    position += 1;
    batch.push(storableJob(input, position));
    if (batch.length >= batchSize) await flush();
    if (!open) break;
  }
  if (open) await flush();
  const { rows } = await pool.query<{ total: number }>(
    `UPDATE fanout.runs SET total = (SELECT count(*) FROM fanout.jobs WHERE run_id = $1) WHERE id = $1 RETURNING total`,
    [runId],
  );
  // Fast workers may have finished every job already: the run ends now that its total is known, and a
  // batch given as a share of all jobs can open.
  await openBatches(pool, [runId]);
  await settleRuns(pool, [runId]);
  return { runId, total: rows[0]!.total };
}
