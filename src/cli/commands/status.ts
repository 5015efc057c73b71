import type { RunStatus } from '../../queue/index.js';
import type { CliFlags } from '../flags.js';
import type { CliIo, CommandInput } from '../io.js';
import { openQueueFor, parseRunId } from './queue-open.js';

const ORDER = [
  'queued',
  'claimed',
  'running',
  'ok',
  'failed',
  'timeout',
  'unreachable',
  'canceled',
  'skipped',
];

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function printStatus(io: CliIo, status: RunStatus): void {
  const { run } = status;
  const total = Object.values(status.jobs).reduce((sum, n) => sum + n, 0);
  const stopped = run.stop
    ? ` (${run.stop.reason === 'canceled' ? 'canceled' : `halted ${run.stop.mode}`})`
    : '';
  io.stdout.write(
    `run ${run.id}: ${run.state}${stopped}, ${total} jobs${run.total === null ? ' so far (still being submitted)' : ''}: ${run.template}\n`,
  );
  io.stdout.write(
    `  jobs: ${
      ORDER.filter((state) => status.jobs[state])
        .map((state) => `${status.jobs[state]} ${state}`)
        .join(', ') || 'none'
    }\n`,
  );
  for (const worker of status.workers) {
    io.stdout.write(
      `  worker ${worker.worker}: ${worker.claimed ? `${worker.claimed} claimed, ` : ''}${worker.running} running, ${worker.ended} ended${worker.lost ? `, ${worker.lost} lost` : ''}\n`,
    );
  }
  for (const target of status.targets) {
    io.stdout.write(`  target ${target.target}: ${target.ended} ended, ${target.ok} ok\n`);
  }
  if (status.rate > 0) {
    const eta = status.etaMs === undefined ? '' : `, about ${seconds(status.etaMs)} left`;
    io.stdout.write(`  rate: ${status.rate.toFixed(1)} jobs/s over the last minute${eta}\n`);
  }
}

/**
 * `fanout status --queue URL [RUN]`: a run's jobs per state, attempts per worker and per target, and the
 * time left at the current rate; without RUN, the latest runs.
 *
 * @example
 * await statusCommand({ selection: ['7'], words: undefined, flags: { queue: url }, io });
 */
export async function statusCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { io } = input;
  const wanted = input.selection[0] === undefined ? undefined : parseRunId(input.selection[0], 'status');
  const queue = await openQueueFor(input.flags, io);
  const { listRuns, runStatus } = await import('../../queue/index.js');
  try {
    const ids = wanted === undefined ? await listRuns(queue, 10) : [wanted];
    if (ids.length === 0) io.stdout.write(`no runs in the queue ${queue.source.label}\n`);
    for (const id of ids) {
      const status = await runStatus(queue, id);
      if (!status) {
        io.stderr.write(`fanout: no run ${id} in the queue ${queue.source.label}\n`);
        return 1;
      }
      printStatus(io, status);
    }
    return 0;
  } catch (error) {
    throw queue.fail(error, 'status');
  } finally {
    await queue.close();
  }
}
