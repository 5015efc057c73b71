import type { FleetJobInput } from '../../index.js';
import type { CliFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import type { RunSettings } from '../options.js';
import { usageError } from '../usage.js';
import { openQueueFor } from './queue-open.js';
import { runSession } from './session.js';

/** What `jobs --queue` hands over: the template, the jobs (read lazily) and the checked flags. */
export interface SubmitPlan {
  readonly template: string;
  readonly jobs: Iterable<FleetJobInput> | AsyncIterable<FleetJobInput>;
  readonly total: number | undefined;
  /** Stands for `{%}` in the jobs' commands (see RunSpec.slotMarker). */
  readonly slotMarker: number | undefined;
  /** Bytes kept of each stream per attempt (see RunSpec.outputCap); undefined for the default. */
  readonly outputCap: number | undefined;
  readonly settings: RunSettings;
  readonly flags: CliFlags;
  readonly io: CliIo;
}

/** Flags that belong to workers or to a local run, not to a submitted one. */
const NOT_FOR_QUEUE: readonly [keyof CliFlags, string, string][] = [
  ['concurrency', '--concurrency', 'give -j to each `fanout worker`'],
  ['perTarget', '--per-target', 'give it to each `fanout worker`'],
  ['resume', '--resume', 'a queued run goes on when workers start again'],
  ['resumeFailed', '--resume-failed', 'a queued run goes on when workers start again'],
  ['stdin', '--stdin', 'queued jobs have no stdin'],
  ['delay', '--delay', 'workers start jobs as they free up'],
  ['tty', '--tty', 'not supported by the queue'],
  ['become', '--become', 'not supported by the queue'],
];

/**
 * `fanout jobs --queue URL … -- TEMPLATE ::: ARGS`: stores the run (its jobs inserted in batches as the
 * input is read), prints its id on stdout, and with `--wait` follows it live and exits as `jobs` would.
 *
 * @example
 * return submitJobs({ template, jobs, total, slotMarker, outputCap, settings, flags, io });
 */
export async function submitJobs(plan: SubmitPlan): Promise<number> {
  const { settings, flags, io } = plan;
  for (const [key, flag, reason] of NOT_FOR_QUEUE) {
    if (flags[key] !== undefined && flags[key] !== false)
      throw usageError(flag, `not for a queued run: ${reason}`);
  }
  const queue = await openQueueFor(flags, io);
  const { followRun, submitRun } = await import('../../queue/index.js');
  const fleet = settings.fleet;
  const spec = {
    template: plan.template,
    timeout: fleet.timeout,
    slotMarker: plan.slotMarker,
    ...(fleet.retries === undefined ? {} : { retries: fleet.retries }),
    ...(fleet.policy === undefined ? {} : { policy: fleet.policy }),
    ...(plan.outputCap === undefined ? {} : { outputCap: plan.outputCap }),
  };
  try {
    let created: (id: number) => void = () => {};
    const runCreated = new Promise<number>((resolve) => (created = resolve));
    const submitted = submitRun(queue, spec, plan.jobs, {
      onCreated(runId) {
        io.stdout.write(`${runId}\n`);
        created(runId);
      },
    });
    if (!flags.wait) {
      const { runId, total } = await submitted;
      if (settings.progress !== 'none') {
        io.stderr.write(`fanout: run ${runId}: ${total} jobs queued in ${queue.source.label}\n`);
      }
      return 0;
    }
    // Follow while the rest of the input is still being submitted; a submission error ends the command.
    const runId = await Promise.race([runCreated, submitted.then(({ runId: id }) => id)]);
    const failed = submitted.then(
      () => new Promise<never>(() => {}),
      (error: unknown) => Promise.reject(error),
    );
    return await runSession(
      {
        settings,
        members: [],
        total: plan.total,
        label: (target, seq) => `${target} #${seq}`,
        collapseLabel: (_target, seq) => `#${seq}`,
        resultsName: (_target, seq) => String(seq),
        start: async (options) => {
          const report = await Promise.race([
            followRun(queue, runId, { signal: options.signal, onEvent: options.onEvent }),
            failed,
          ]);
          if (options.signal?.aborted) {
            io.stderr.write(`fanout: run ${runId} goes on in the queue; \`fanout cancel\` stops it\n`);
          }
          return report;
        },
      },
      io,
    );
  } catch (error) {
    throw queue.fail(error, 'submit');
  } finally {
    await queue.close();
  }
}
