import type { JobReport } from '../../index.js';
import type { OutputRenderer, RenderContext } from './output.js';
import type { Palette } from './screen.js';
import { HeldText } from './spill.js';

/** `ok`, `exit 3`, `SIGKILL`, `timeout`, `unreachable` … */
export function describeOutcome(job: JobReport, colors: Palette): string {
  if (job.ok) return colors.green('ok');
  if (job.stage === 'timeout') return colors.red('timeout');
  if (job.stage === 'connect') return colors.red('unreachable');
  if (job.stage === 'canceled') return colors.yellow('canceled');
  if (job.stage === 'skipped') return colors.yellow('skipped');
  if (job.signal) return colors.red(job.signal);
  return colors.red(job.exitCode === null ? 'failed to start' : `exit ${job.exitCode}`);
}

/**
 * `--output group`: each job's output together when it ends, under a header naming the job and how it
 * ended. Only running jobs are held: in memory up to the budget, then in temporary files.
 *
 * @example
 * const output = createGroupOutput(context);
 */
export function createGroupOutput(context: RenderContext): OutputRenderer {
  const { screen, colors } = context;
  const held = new Map<number, { stdout: HeldText; stderr: HeldText }>();
  const release = (seq: number): void => {
    const lines = held.get(seq);
    held.delete(seq);
    lines?.stdout.release();
    lines?.stderr.release();
  };
  return {
    onEvent(event) {
      if (event.type === 'start') {
        release(event.job.seq);
        held.set(event.job.seq, {
          stdout: new HeldText(context.budget),
          stderr: new HeldText(context.budget),
        });
      } else if (event.type === 'output') {
        held.get(event.job.seq)?.[event.stream].add(`${context.show(event.stream, event.line)}\n`);
      } else if (event.type === 'end') {
        const job = event.report;
        const lines = held.get(job.seq);
        if (job.stage !== 'skipped') {
          const seconds = (job.durationMs / 1000).toFixed(2);
          const label = context.label(job.target ?? '-', job.seq);
          screen.out(colors.dim(`── ${label}: ${describeOutcome(job, colors)} in ${seconds}s ──\n`));
          lines?.stdout.replay((chunk) => screen.out(chunk));
          lines?.stderr.replay((chunk) => screen.err(chunk));
        }
        release(job.seq);
      }
    },
    finish() {},
    dispose() {
      for (const seq of [...held.keys()]) release(seq);
    },
  };
}
