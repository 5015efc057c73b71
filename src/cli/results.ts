import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetEvent, JobReport } from '../index.js';

/** What the `exit` file of a job says: its exit code, or why it has none. */
function exitText(report: JobReport): string {
  if (report.stage === 'timeout') return 'timeout';
  if (report.stage === 'connect') return 'unreachable';
  if (report.stage === 'canceled') return 'canceled';
  if (report.exitCode !== null) return String(report.exitCode);
  return report.signal ?? (report.error ? 'error' : 'unknown');
}

/**
 * `--results DIR`: each job's output in files, written as it arrives: `DIR/<name>/stdout` and `stderr`
 * (lines, each ending with a newline), then `exit` when the job ends (`0`, `3`, `SIGKILL`, `timeout`,
 * `unreachable`, `canceled`). `<name>` is the target for `run`, `push` and `pull`, the job number for
 * `jobs` (URI-encoded). A retried job's files start over with each attempt; jobs never started get none.
 *
 * @example
 * const results = createResultsWriter('out', (target) => target);
 * onEvent = (event) => results.onEvent(event);
 */
export function createResultsWriter(
  dir: string,
  nameOf: (target: string, seq: number) => string,
): { onEvent(event: FleetEvent): void; close(): void } {
  const open = new Map<number, { dir: string; stdout: number; stderr: number }>();
  const closeJob = (seq: number): void => {
    const files = open.get(seq);
    if (!files) return;
    closeSync(files.stdout);
    closeSync(files.stderr);
    open.delete(seq);
  };
  mkdirSync(dir, { recursive: true });
  return {
    onEvent(event) {
      if (event.type === 'start') {
        closeJob(event.job.seq);
        const jobDir = join(dir, encodeURIComponent(nameOf(event.target, event.job.seq)));
        mkdirSync(jobDir, { recursive: true });
        open.set(event.job.seq, {
          dir: jobDir,
          stdout: openSync(join(jobDir, 'stdout'), 'w'),
          stderr: openSync(join(jobDir, 'stderr'), 'w'),
        });
      } else if (event.type === 'output') {
        const files = open.get(event.job.seq);
        if (files) writeSync(files[event.stream], `${event.line}\n`);
      } else if (event.type === 'end') {
        const files = open.get(event.report.seq);
        if (!files) return;
        writeFileSync(join(files.dir, 'exit'), `${exitText(event.report)}\n`);
        closeJob(event.report.seq);
      }
    },
    close() {
      for (const seq of [...open.keys()]) closeJob(seq);
    },
  };
}
