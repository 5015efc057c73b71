import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { redactSecrets } from '../../internal/secrets.js';
import type { JobReport } from '../report.js';
import { lockFile } from './lock.js';

/** The header line of GNU parallel's joblog. */
export const JOBLOG_HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (osConstants.signals[signal] ?? 0);
}

/**
 * One joblog line for a finished job, in GNU parallel's format: a timeout gets Exitval -1 and the signal
 * that killed it, an unreachable target Exitval 255 (as ssh reports it). Registered secrets show as `***`.
 *
 * @example
 * formatJoblogLine(report) // '3\talpha\t1764361800.123\t     0.016\t0\t12\t0\t0\tsha256sum a.txt'
 */
export function formatJoblogLine(job: JobReport): string {
  const exitValue = job.stage === 'connect' ? 255 : job.stage === 'timeout' ? -1 : (job.exitCode ?? -1);
  const signal = job.stage === 'timeout' ? signalNumber(job.signal ?? 'SIGTERM') : signalNumber(job.signal);
  const command = redactSecrets(job.command).replaceAll('\n', ' ');
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

/** Appends finished jobs to a joblog, one whole line per job. */
export interface JoblogWriter {
  /** Records a job that finished (ran, timed out or could not connect); canceled and skipped jobs are left out, so `--resume` runs them. */
  write(job: JobReport): void;
  /**
   * Syncs the file to disk, closes it and releases its lock. A fresh joblog that recorded nothing is emptied
   * to its header now, unless `complete` is false (the run broke before it started anything).
   */
  close(options?: { readonly complete: boolean }): void;
}

const SYNC_EVERY_MS = 1000;

/** Cuts a torn last line (a writer killed mid-line) so that the next record starts on a line of its own. */
function cutTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - tail.length);
    const read = readSync(fd, tail, 0, end - start, start);
    const newline = tail.subarray(0, read).lastIndexOf(0x0a);
    if (newline >= 0) {
      if (start + newline + 1 < size) ftruncateSync(fd, start + newline + 1);
      return;
    }
    end = start;
  }
  if (size > 0) ftruncateSync(fd, 0);
}

/**
 * Opens a joblog, locked against a second writer (`<path>.lock`; a second run gets a clear error). Records
 * are appended with O_APPEND, synced to disk at least once a second and at `close()`; a new file is
 * created 0600. With `append` (a resumed run), a torn last line is cut first; otherwise the old content is
 * replaced, but only when the first job is recorded (or at `close()`), so a run that fails before it starts
 * anything leaves the old joblog whole.
 *
 * @example
 * const log = openJoblog('run.log', { append: false });
 * log.write(report); log.close();
 */
export function openJoblog(path: string, options: { readonly append: boolean }): JoblogWriter {
  const lock = lockFile(path, 'joblog');
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
    if (options.append) cutTornLine(fd);
  } catch (error) {
    lock.release();
    throw error;
  }
  let started = options.append && fstatSync(fd).size > 0;
  let dirty = false;
  const begin = (): void => {
    if (started) return;
    started = true;
    ftruncateSync(fd, 0);
    writeSync(fd, `${JOBLOG_HEADER}\n`);
  };
  // Synced off the event loop: a slow disk must not delay recording the jobs that end meanwhile.
  let syncing = false;
  const timer = setInterval(() => {
    if (!dirty || syncing) return;
    dirty = false;
    syncing = true;
    fsync(fd, () => (syncing = false));
  }, SYNC_EVERY_MS).unref();
  let open = true;
  return {
    write(job) {
      if (job.stage === 'canceled' || job.stage === 'skipped') return;
      begin();
      writeSync(fd, `${formatJoblogLine(job)}\n`);
      dirty = true;
    },
    close({ complete } = { complete: true }) {
      if (!open) return;
      open = false;
      clearInterval(timer);
      try {
        if (complete) begin();
        fsyncSync(fd);
        closeSync(fd);
      } finally {
        lock.release();
      }
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
