import type { ErrorCode } from '../errors.js';
import type { FleetEvent } from '../fleet/events.js';
import type { FleetReport, JobReport, JobStage } from '../fleet/report.js';
import { Tally } from '../fleet/report.js';
import { persist, type Queue } from './connect.js';
import { loadRun } from './runs.js';

/** Options of {@link followRun}. */
export interface FollowOptions {
  /** Stops following (the run goes on). Default: none. */
  readonly signal?: AbortSignal;
  /** Receives `start`, `output` and `end` events for each job as it finishes for good. */
  readonly onEvent?: (event: FleetEvent) => void;
  /** How often to look for newly finished jobs. Default: 200 ms. */
  readonly pollMs?: number;
}

const STAGES: Record<string, JobStage> = {
  ok: 'run',
  failed: 'run',
  timeout: 'timeout',
  unreachable: 'connect',
  canceled: 'canceled',
  skipped: 'skipped',
};

function reportOf(row: Record<string, unknown>): JobReport {
  const state = row.state as string;
  return {
    seq: row.seq as number,
    command: row.command as string,
    args: row.args as string[],
    target: (row.target as string | null) ?? undefined,
    stage: STAGES[state] ?? 'run',
    ok: state === 'ok',
    exitCode: row.exit_code as number | null,
    signal: row.signal as NodeJS.Signals | null,
    attempts: row.attempts as number,
    startedAt: row.started_at ? (row.started_at as Date).getTime() : 0,
    durationMs: (row.duration_ms as number | null) ?? 0,
    outputBytes: Number(row.output_bytes ?? 0),
    stdout: (row.stdout as string | null) ?? '',
    stderr: (row.stderr as string | null) ?? '',
    error: (row.error as string | null) ?? undefined,
    errorCode: (row.error_code as ErrorCode | null) ?? undefined,
  };
}

function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}

/**
 * Follows a run from the queue as its jobs finish for good (whichever worker ran them), as fleet events —
 * so the CLI renders a queued run as it renders a local one — and resolves with the run's report once it
 * has ended (or `signal` aborts). Output comes from the stored attempts, so it is cut at the run's cap.
 *
 * @example
 * const report = await followRun(queue, runId, { onEvent: (event) => console.log(event.type) });
 */
export async function followRun(
  queue: Queue,
  runId: number,
  options: FollowOptions = {},
): Promise<FleetReport> {
  const { pool } = queue;
  const begin = performance.now();
  const tally = new Tally();
  const { signal, onEvent } = options;
  let last = 0;
  for (;;) {
    const run = await persist(() => loadRun(pool, runId), signal);
    if (!run) throw new TypeError(`no run ${runId} in the queue`);
    const ended = !['running', 'stopping'].includes(run.state);
    const { rows } = await persist(
      () =>
        pool.query(
          `SELECT j.seq, j.args, coalesce(a.command, j.command) AS command, j.state, j.attempts, j.finished,
                  a.target, a.exit_code, a.signal, a.started_at, a.duration_ms, a.output_bytes, a.stdout, a.stderr, a.error, a.error_code
             FROM fanout.jobs j
             LEFT JOIN LATERAL (SELECT * FROM fanout.attempts a
                                 WHERE a.run_id = j.run_id AND a.seq = j.seq AND a.state = 'ended'
                                 ORDER BY a.attempt DESC LIMIT 1) a ON true
            WHERE j.run_id = $1 AND j.finished > $2
            ORDER BY j.finished LIMIT 1000`,
          [runId, last],
        ),
      signal,
    );
    for (const row of rows) {
      last = Number(row.finished);
      const report = reportOf(row);
      tally.add(report);
      tally.retries += Math.max(0, report.attempts - 1);
      if (onEvent) {
        const job = { seq: report.seq, command: report.command, args: report.args };
        if (report.target !== undefined) {
          onEvent({ type: 'start', job, target: report.target, attempt: report.attempts });
          for (const stream of ['stdout', 'stderr'] as const) {
            for (const line of lines(report[stream])) {
              onEvent({ type: 'output', job, target: report.target, stream, line });
            }
          }
        }
        onEvent({ type: 'end', report });
      }
    }
    if ((ended && rows.length === 0) || signal?.aborted) {
      const halted: FleetReport['halted'] = run.stop
        ? { mode: run.stop.mode, reason: run.stop.reason === 'canceled' ? 'aborted' : 'threshold' }
        : undefined;
      return { jobs: [], counts: tally.snapshot(), halted, durationMs: performance.now() - begin };
    }
    if (rows.length < 1000) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.pollMs ?? 200);
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
