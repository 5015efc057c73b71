import { closeSync, openSync, writeSync } from 'node:fs';
import { formatJoblogLine, JOBLOG_HEADER, type JobReport } from '../../index.js';
import type { AttemptRecord } from '../../queue/index.js';
import type { CliFlags } from '../flags.js';
import type { CommandInput } from '../io.js';
import { usageError } from '../usage.js';
import { openQueueFor, parseRunId } from './queue-open.js';

/** An ended attempt as a fleet job report, for the joblog line. */
function asReport(attempt: AttemptRecord): JobReport {
  return {
    seq: attempt.seq,
    command: attempt.command,
    args: attempt.args,
    target: attempt.target ?? undefined,
    stage: (attempt.stage ?? 'run') as JobReport['stage'],
    ok: attempt.stage === 'run' && attempt.exitCode === 0 && attempt.signal === null,
    exitCode: attempt.exitCode,
    signal: attempt.signal as NodeJS.Signals | null,
    attempts: attempt.attempt,
    startedAt: attempt.startedAt ? Date.parse(attempt.startedAt) : 0,
    durationMs: attempt.durationMs ?? 0,
    outputBytes: attempt.outputBytes ?? 0,
    stdout: '',
    stderr: '',
    error: attempt.error ?? undefined,
    errorCode: (attempt.errorCode ?? undefined) as JobReport['errorCode'],
  };
}

function describe(attempt: AttemptRecord): string {
  if (attempt.state !== 'ended') return attempt.state;
  if (attempt.stage === 'run') return attempt.signal ?? `exit ${attempt.exitCode ?? '?'}`;
  return attempt.stage === 'connect' ? 'unreachable' : (attempt.stage ?? '?');
}

/**
 * `fanout results --queue URL RUN`: every attempt of a run (a job that ran twice shows twice), as text,
 * as JSON lines (`--output json`, or `--journal FILE`), or as a GNU parallel joblog (`--joblog FILE`, one
 * line per ended attempt).
 *
 * @example
 * await resultsCommand({ selection: ['7'], words: undefined, flags: { queue: url, joblog: 'run.log' }, io });
 */
export async function resultsCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { flags, io } = input;
  const runId = parseRunId(input.selection[0], 'results');
  if (flags.output !== undefined && flags.output !== 'json') {
    throw usageError('--output', `results are printed as text or json, got \`${flags.output}\``);
  }
  const queue = await openQueueFor(flags, io);
  const { loadRun, readAttempts } = await import('../../queue/index.js');
  const joblog = flags.joblog === undefined ? undefined : openSync(flags.joblog, 'w', 0o600);
  const journal = flags.journal === undefined ? undefined : openSync(flags.journal, 'w', 0o600);
  try {
    if (!(await loadRun(queue.pool, runId))) {
      io.stderr.write(`fanout: no run ${runId} in the queue ${queue.source.label}\n`);
      return 1;
    }
    if (joblog !== undefined) writeSync(joblog, `${JOBLOG_HEADER}\n`);
    for await (const attempt of readAttempts(queue, runId)) {
      if (joblog !== undefined && attempt.state === 'ended' && attempt.stage !== 'canceled') {
        writeSync(joblog, `${formatJoblogLine(asReport(attempt))}\n`);
      }
      if (journal !== undefined) writeSync(journal, `${JSON.stringify(attempt)}\n`);
      if (flags.output === 'json') io.stdout.write(`${JSON.stringify(attempt)}\n`);
      else if (joblog === undefined && journal === undefined) {
        const seconds = attempt.durationMs === null ? '-' : `${(attempt.durationMs / 1000).toFixed(3)}s`;
        io.stdout.write(
          `#${attempt.seq}\tattempt ${attempt.attempt}\t${describe(attempt)}\t${attempt.target ?? '-'}\t${seconds}\t${attempt.worker}\n`,
        );
      }
    }
    return 0;
  } catch (error) {
    throw queue.fail(error, `results of run ${runId}`);
  } finally {
    if (joblog !== undefined) closeSync(joblog);
    if (journal !== undefined) closeSync(journal);
    await queue.close();
  }
}
