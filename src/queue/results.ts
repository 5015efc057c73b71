import type { Queue } from './connect.js';

/** One attempt of a job, as `fanout results` prints it. */
export interface AttemptRecord {
  readonly run: number;
  readonly seq: number;
  readonly attempt: number;
  readonly command: string;
  readonly args: readonly string[];
  /** The job's state now (ok, failed, queued …), the same on each of its attempts. */
  readonly jobState: string;
  /** running, ended, lost (its worker's lease expired) or released (given back unstarted). */
  readonly state: string;
  readonly worker: string;
  readonly target: string | null;
  readonly stage: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly claimedAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly leaseUntil: string;
  readonly heartbeatAt: string;
  readonly outputBytes: number | null;
  readonly sha256: string | null;
  readonly truncated: boolean | null;
  readonly stdout: string | null;
  readonly stderr: string | null;
  readonly error: string | null;
  readonly errorCode: string | null;
}

const PAGE = 1000;

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/**
 * Every attempt of a run, in job order then attempt order, read a page at a time.
 *
 * @example
 * for await (const attempt of readAttempts(queue, 7)) console.log(attempt.seq, attempt.attempt, attempt.exitCode);
 */
export async function* readAttempts(queue: Queue, runId: number): AsyncGenerator<AttemptRecord> {
  let after = { seq: 0, attempt: 0 };
  for (;;) {
    const { rows } = await queue.pool.query(
      `SELECT a.*, j.args, j.state AS job_state,
              coalesce(a.command, CASE WHEN r.slot_marker IS NULL THEN j.command
                                       ELSE replace(j.command, r.slot_marker::text, '{%}') END) AS command
         FROM fanout.attempts a
         JOIN fanout.jobs j ON j.run_id = a.run_id AND j.seq = a.seq
         JOIN fanout.runs r ON r.id = a.run_id
        WHERE a.run_id = $1 AND (a.seq, a.attempt) > ($2, $3)
        ORDER BY a.seq, a.attempt LIMIT ${PAGE}`,
      [runId, after.seq, after.attempt],
    );
    for (const row of rows as Record<string, unknown>[]) {
      yield {
        run: runId,
        seq: row.seq as number,
        attempt: row.attempt as number,
        command: row.command as string,
        args: row.args as string[],
        jobState: row.job_state as string,
        state: row.state as string,
        worker: row.worker as string,
        target: row.target as string | null,
        stage: row.stage as string | null,
        exitCode: row.exit_code as number | null,
        signal: row.signal as string | null,
        claimedAt: iso(row.claimed_at)!,
        startedAt: iso(row.started_at),
        endedAt: iso(row.ended_at),
        durationMs: row.duration_ms as number | null,
        leaseUntil: iso(row.lease_until)!,
        heartbeatAt: iso(row.heartbeat_at)!,
        outputBytes: row.output_bytes === null ? null : Number(row.output_bytes),
        sha256: row.sha256 as string | null,
        truncated: row.truncated as boolean | null,
        stdout: row.stdout as string | null,
        stderr: row.stderr as string | null,
        error: row.error as string | null,
        errorCode: row.error_code as string | null,
      };
    }
    if (rows.length < PAGE) return;
    const tail = rows.at(-1) as { seq: number; attempt: number };
    after = { seq: tail.seq, attempt: tail.attempt };
  }
}
