import { createTargets } from '../../index.js';
import { parseDuration } from '../../internal/duration.js';
import type { CliFlags } from '../flags.js';
import type { CommandInput } from '../io.js';
import { resolveSettings } from '../options.js';
import { usageError } from '../usage.js';
import { openQueueFor, parseRunId } from './queue-open.js';
import { resolveSelection } from './select.js';

function lease(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = /^\d+(\.\d+)?$/.test(raw.trim()) ? `${raw.trim()}s` : raw;
  let ms: number;
  try {
    ms = parseDuration(text, '--lease');
  } catch {
    ms = NaN;
  }
  if (!(ms >= 1000))
    throw usageError('--lease', `expected a duration of 1s or more, such as '30s', got \`${raw}\``);
  return ms;
}

/**
 * `fanout worker --queue URL -i INVENTORY SELECTION [-j N] [--per-target N] [--run ID] [--lease D]`: runs
 * queued jobs on the selected targets until stopped (Ctrl-C / SIGTERM: running jobs are killed and given
 * back to the queue), or until run ID ends.
 *
 * @example
 * await workerCommand({ selection: ['@all'], words: undefined, flags: { queue: url, concurrency: '8' }, io });
 */
export async function workerCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { flags, io } = input;
  if (input.words !== undefined)
    throw usageError('worker', 'takes no command: the runs in the queue say what to run');
  const { fleet } = resolveSettings(flags, false);
  if (fleet.adaptive)
    throw usageError('--concurrency', '`auto` is for run, jobs, push and pull: give worker a number');
  const leaseMs = lease(flags.lease);
  const runId = flags.run === undefined ? undefined : parseRunId(flags.run, '--run');
  const members = createTargets(resolveSelection(input.selection, flags, io));
  const queue = await openQueueFor(flags, io);
  const { runWorker } = await import('../../queue/index.js');
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort(new Error('Interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  io.stderr.write(`fanout worker: ${members.length} targets, queue ${queue.source.label}\n`);
  try {
    const summary = await runWorker(queue, {
      members,
      ...(fleet.concurrency === undefined ? {} : { concurrency: fleet.concurrency }),
      ...(fleet.perTarget === undefined ? {} : { perTarget: fleet.perTarget }),
      ...(runId === undefined ? {} : { runId }),
      ...(leaseMs === undefined ? {} : { leaseMs }),
      signal: controller.signal,
      onEvent(event) {
        if (event.type === 'serving') io.stderr.write(`fanout worker: working on run ${event.runId}\n`);
        else if (event.type === 'stopped-run')
          io.stderr.write(`fanout worker: run ${event.runId} stopped: killing its jobs\n`);
        else if (event.type === 'target-down')
          io.stderr.write(`fanout worker: ${event.target} is down: ${event.error.message}\n`);
      },
    });
    io.stderr.write(`fanout worker ${summary.id}: ${summary.attempts} attempts\n`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await queue.close();
    const wait = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.allSettled(members.map((member) => member.target.dispose())), wait]);
  }
  return interrupted ? 130 : 0;
}
