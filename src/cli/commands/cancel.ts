import type { CliFlags } from '../flags.js';
import type { CommandInput } from '../io.js';
import { openQueueFor, parseRunId } from './queue-open.js';

/**
 * `fanout cancel --queue URL RUN`: its queued jobs are skipped and every worker kills its running jobs.
 * Exits 0 when it canceled the run, 1 when the run had already ended.
 *
 * @example
 * await cancelCommand({ selection: ['7'], words: undefined, flags: { queue: url }, io });
 */
export async function cancelCommand(input: CommandInput<CliFlags>): Promise<number> {
  const runId = parseRunId(input.selection[0], 'cancel');
  const queue = await openQueueFor(input.flags, input.io);
  const { cancelRun, loadRun } = await import('../../queue/index.js');
  try {
    const run = await loadRun(queue.pool, runId);
    if (!run) {
      input.io.stderr.write(`fanout: no run ${runId} in the queue ${queue.source.label}\n`);
      return 1;
    }
    if (await cancelRun(queue, runId)) {
      input.io.stdout.write(`run ${runId}: canceled; workers are killing its running jobs\n`);
      return 0;
    }
    input.io.stdout.write(`run ${runId}: already ${run.state}\n`);
    return 1;
  } catch (error) {
    throw queue.fail(error, `cancel run ${runId}`);
  } finally {
    await queue.close();
  }
}
