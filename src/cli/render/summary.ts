import type { FleetEvent, FleetReport, JobReport } from '../../index.js';
import { describeOutcome } from './group.js';
import { countOf } from '../format.js';
import type { Palette, Screen } from './screen.js';

const LISTED = 20;
/** Longest command shown in the summary; a longer one is cut with an ellipsis. */
const SHOWN_COMMAND = 200;

/** Keeps what the summary lists about failed jobs: the first 20, each with its last stderr line. */
export class FailureLog {
  readonly failures: { job: JobReport; lastError: string | undefined }[] = [];
  readonly #lastError = new Map<number, string>();

  onEvent(event: FleetEvent): void {
    if (event.type === 'output' && event.stream === 'stderr') this.#lastError.set(event.job.seq, event.line);
    else if (event.type === 'end') {
      const job = event.report;
      const lastError = this.#lastError.get(job.seq) ?? job.error;
      this.#lastError.delete(job.seq);
      if (!job.ok && job.stage !== 'skipped' && this.failures.length < LISTED)
        this.failures.push({ job, lastError });
    }
  }
}

/**
 * The end-of-run summary on stderr: tallies, why the run stopped early, and the failed jobs (target, job,
 * stage, exit, signal, attempts, duration, last error line).
 *
 * @example
 * printSummary(screen, colors, report, failureLog, { interrupted: undefined, label });
 */
export function printSummary(
  screen: Screen,
  colors: Palette,
  report: FleetReport,
  log: FailureLog,
  context: {
    /** Why the run was stopped from outside, if it was. */
    readonly interrupted: 'interrupted' | 'stdout closed' | undefined;
    readonly label: (target: string, seq: number) => string;
    /** A job's output line as it may be shown on stderr. */
    readonly show: (line: string) => string;
  },
): void {
  const { counts } = report;
  const parts = [
    colors.green(`${counts.ok} ok`),
    `${counts.failed} failed`,
    `${counts.timeout} timed out`,
    `${counts.unreachable} unreachable`,
    `${counts.canceled} canceled`,
    `${counts.skipped} skipped`,
  ];
  const seconds = (report.durationMs / 1000).toFixed(1);
  screen.err(
    `fanout: ${countOf(counts.total, 'job')} in ${seconds}s: ${parts.join(', ')}${counts.retries > 0 ? ` (${countOf(counts.retries, 'retry', 'retries')})` : ''}\n`,
  );
  if (context.interrupted === 'interrupted')
    screen.err(colors.red('fanout: interrupted: running jobs were killed\n'));
  else if (context.interrupted === 'stdout closed')
    screen.err(
      colors.red('fanout: standard output was closed: running jobs were killed, no more were started\n'),
    );
  else if (report.halted)
    screen.err(colors.red(`fanout: halted (${report.halted.mode}): the failure threshold was reached\n`));
  for (const { job, lastError } of log.failures) {
    const where = context.label(job.target ?? '-', job.seq);
    const attempts = `${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`;
    const detail = lastError ? `: ${context.show(shorten(lastError))}` : '';
    screen.err(
      `  ${describeOutcome(job, colors)} ${where} [${job.stage}, ${attempts}, ${(job.durationMs / 1000).toFixed(2)}s] ${colors.dim(context.show(shorten(job.command)))}${detail}\n`,
    );
  }
  const unlisted = counts.total - counts.ok - counts.skipped - log.failures.length;
  if (unlisted > 0) screen.err(`  … and ${unlisted} more\n`);
}

/** `text` cut to SHOWN_COMMAND characters, with `…` and how much was left out. */
function shorten(text: string): string {
  if (text.length <= SHOWN_COMMAND) return text;
  return `${text.slice(0, SHOWN_COMMAND)}… (${text.length - SHOWN_COMMAND} more characters)`;
}
