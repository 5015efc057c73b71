import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { JobReport } from '../report.js';

/** The header line of GNU parallel's joblog. */
export const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}

/**
 * One joblog line for a finished job, in GNU parallel's format: a timeout gets Exitval -1 and the signal
 * that killed it, an unreachable target Exitval 255 (as ssh reports it).
 *
 * @example
 * formatJoblogLine(report) // '3\talpha\t1764361800.123\t     0.016\t0\t12\t0\t0\tsha256sum a.txt'
 */
export function formatJoblogLine(job: JobReport): string {
  const exitValue = job.stage === 'connect' ? 255 : job.stage === 'timeout' ? -1 : (job.exitCode ?? -1);
  const signal = job.stage === 'timeout' ? signalNumber(job.signal ?? 'SIGTERM') : signalNumber(job.signal);
  const command = job.command.replaceAll('\n', ' ');
  return [
    job.seq,
    job.target ?? ':',
    (job.startedAt / 1000).toFixed(3),
    (job.durationMs / 1000).toFixed(3).padStart(10),
    0,
    job.outputBytes,
    exitValue,
    signal,
    command,
  ].join('\t');
}

/** Appends finished jobs to a joblog, one whole line per job, written through at once. */
export interface JoblogWriter {
  /** Records a job that finished (ran, timed out or could not connect); canceled and skipped jobs are left out, so `--resume` runs them. */
  write(job: JobReport): void;
  close(): void;
}

/**
 * Opens a joblog for appending (`resume`) or afresh, writing the header when the file is new or empty.
 *
 * @example
 * const log = openJoblog('run.log', { append: false });
 * log.write(report); log.close();
 */
export function openJoblog(path: string, options: { readonly append: boolean }): JoblogWriter {
  const fresh = !options.append || !existsSync(path) || statSync(path).size === 0;
  const fd = openSync(path, options.append ? 'a' : 'w');
  if (fresh) writeSync(fd, `${JOBLOG_HEADER}\n`);
  return {
    write(job) {
      if (job.stage === 'canceled' || job.stage === 'skipped') return;
      writeSync(fd, `${formatJoblogLine(job)}\n`);
    },
    close() {
      closeSync(fd);
    },
  };
}

/** One line read back from a joblog. */
export interface JoblogEntry {
  readonly seq: number;
  readonly host: string;
  readonly exitValue: number;
  readonly signal: number;
  readonly command: string;
}

/**
 * Reads a joblog (GNU parallel's or ours); a missing file reads as empty, and a torn last line (the writer
 * was killed mid-write) is ignored.
 *
 * @example
 * const done = new Set(readJoblog('run.log').filter((entry) => entry.exitValue === 0).map((entry) => entry.seq));
 */
export function readJoblog(path: string): JoblogEntry[] {
  if (!existsSync(path)) return [];
  const entries: JoblogEntry[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const line of lines.slice(0, -1)) {
    const fields = line.split('\t');
    if (fields.length < 9 || fields[0] === 'Seq') continue;
    const seq = Number(fields[0]);
    const exitValue = Number(fields[6]);
    const signal = Number(fields[7]);
    if (!Number.isInteger(seq) || Number.isNaN(exitValue) || Number.isNaN(signal)) continue;
    entries.push({ seq, host: fields[1]!, exitValue, signal, command: fields.slice(8).join('\t') });
  }
  return entries;
}

/**
 * The sequence numbers a resumed run skips: every job the joblog records (`resume`), or only those that
 * succeeded (`resume-failed`, which reruns the failed ones).
 *
 * @example
 * const skip = jobsToSkip(readJoblog('run.log'), 'resume-failed');
 */
export function jobsToSkip(entries: readonly JoblogEntry[], mode: 'resume' | 'resume-failed'): Set<number> {
  const skip = new Set<number>();
  for (const entry of entries) {
    if (mode === 'resume' || (entry.exitValue === 0 && entry.signal === 0)) skip.add(entry.seq);
  }
  return skip;
}
