import type { JobReport } from '../../index.js';
import type { OutputRenderer, RenderContext } from './output.js';
import type { Palette } from './screen.js';

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
 * ended. Only running jobs are held in memory.
 *
 * @example
 * const output = createGroupOutput(context);
 */
export function createGroupOutput(context: RenderContext): OutputRenderer {
  const { screen, colors } = context;
  const held = new Map<number, { stdout: string[]; stderr: string[] }>();
  return {
    onEvent(event) {
      if (event.type === 'start') held.set(event.job.seq, { stdout: [], stderr: [] });
      else if (event.type === 'output') held.get(event.job.seq)?.[event.stream].push(event.line);
      else if (event.type === 'end') {
        const job = event.report;
        const lines = held.get(job.seq);
        held.delete(job.seq);
        if (job.stage === 'skipped') return;
        const seconds = (job.durationMs / 1000).toFixed(2);
        const label = context.label(job.target ?? '-', job.seq);
        screen.out(colors.dim(`── ${label}: ${describeOutcome(job, colors)} in ${seconds}s ──\n`));
        if (lines?.stdout.length) screen.out(`${lines.stdout.join('\n')}\n`);
        if (lines?.stderr.length) screen.err(`${lines.stderr.join('\n')}\n`);
      }
    },
    finish() {},
  };
}
