import {
  createTargets,
  distribute,
  jobsToSkip,
  readJoblog,
  redactSecrets,
  type FleetOptions,
  type Target,
} from '../../index.js';
import { createSlots } from '../../fleet/slots.js';
import { createSlotMarker, MAX_OUTPUT_CAP } from '../../queue/spec.js';
import {
  parseSize,
  planInput,
  splitInputWords,
  type InputJob,
  type InputOptions,
} from '../../fleet/input/index.js';
import type { CliFlags } from '../flags.js';
import { countOf } from '../format.js';
import type { CommandInput } from '../io.js';
import { resolveSettings } from '../options.js';
import { applyRunAs } from '../run-as.js';
import { usageError } from '../usage.js';
import { jobFilesOf } from './job-files.js';
import { resolveSelectionGroups } from './select.js';
import { runSession } from './session.js';

const DEFAULT_BLOCK = 1024 * 1024;

function positive(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw usageError(flag, `expected an integer from 1 and up, got \`${raw}\``);
  }
  return Number(raw);
}

/** `--output-cap`, checked once: bytes kept of each stream per attempt of a queued run. */
function queuedOutputCap(raw: string | undefined, queued: boolean): number | undefined {
  if (raw === undefined) return undefined;
  if (!queued) throw usageError('--output-cap', 'needs --queue: it caps the output a queued run stores');
  let bytes: number;
  try {
    bytes = parseSize(raw);
  } catch (error) {
    throw usageError('--output-cap', (error as Error).message);
  }
  if (bytes > MAX_OUTPUT_CAP)
    throw usageError('--output-cap', `at most ${MAX_OUTPUT_CAP / 1024 ** 2}M, got \`${raw}\``);
  return bytes;
}

/** The input flags (`--link`, `--colsep`, `-N`, `-X`, `-m`, `--pipe`, `--block`), checked once. */
function inputOptions(flags: CliFlags): Omit<InputOptions, 'template' | 'sources' | 'skip'> {
  const maxArgs = positive('-N', flags.maxArgs);
  if (flags.contextReplace && flags.multipleArgs) throw usageError('-X', 'give -X or -m, not both');
  let colsep: RegExp | undefined;
  if (flags.colsep !== undefined) {
    try {
      colsep = new RegExp(flags.colsep);
    } catch (error) {
      throw usageError('--colsep', (error as Error).message);
    }
    if (colsep.test('')) throw usageError('--colsep', `\`${flags.colsep}\` matches the empty string`);
  }
  if (flags.block !== undefined && !flags.pipe) throw usageError('--block', 'needs --pipe');
  let pipe: InputOptions['pipe'];
  if (flags.pipe) {
    if (flags.block !== undefined && maxArgs !== undefined) {
      throw usageError('--block', 'give --block or -N with --pipe, not both');
    }
    let blockSize = DEFAULT_BLOCK;
    if (flags.block !== undefined) {
      try {
        blockSize = parseSize(flags.block);
      } catch (error) {
        throw usageError('--block', (error as Error).message);
      }
    }
    pipe = maxArgs === undefined ? { blockSize } : { records: maxArgs };
  }
  return {
    link: flags.link ?? false,
    ...(colsep ? { colsep } : {}),
    ...(maxArgs !== undefined && !pipe ? { maxArgs } : {}),
    ...(flags.contextReplace
      ? { pack: 'repeat' as const }
      : flags.multipleArgs
        ? { pack: 'join' as const }
        : {}),
    ...(pipe ? { pipe } : {}),
  };
}

async function* withFiles(
  jobs: AsyncIterable<InputJob>,
  around: (job: InputJob) => (target: Target) => Target,
): AsyncGenerator<InputJob & { around: (target: Target) => Target }> {
  for await (const job of jobs) yield { ...job, around: around(job) };
}

/**
 * `fanout jobs <selection…> -- <template…> [::: <arg…>] [:::: <file>]`: GNU parallel's input language (see
 * src/fleet/input), the jobs spread over the selected targets.
 *
 * @example
 * await jobsCommand({ selection: ['@all'], words: ['gzip', '{}', ':::', 'a.log', 'b.log'], flags: {}, io });
 */
export async function jobsCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { io, flags } = input;
  const settings = resolveSettings(flags, io.stderr.isTTY === true);
  const { template: templateWords, sources } = splitInputWords(input.words ?? []);
  if (input.words === undefined || templateWords.length === 0) {
    throw usageError(
      'jobs',
      "expected a command template after `--`, e.g. fanout jobs @all -- 'gzip {}' ::: a b",
    );
  }
  const options = inputOptions(flags);
  const readsStdin =
    options.pipe !== undefined ||
    sources.length === 0 ||
    sources.some((source) => source.kind === 'file' && source.path === '-');
  if (readsStdin && flags.stdin) {
    throw usageError(
      '--stdin',
      'stdin already holds the jobs’ input: give the arguments after `:::` instead',
    );
  }
  if (readsStdin && (io.stdin as { isTTY?: boolean }).isTTY) {
    throw usageError('jobs', 'no arguments: give them after `:::`, or pipe one per line on stdin');
  }
  const skip =
    settings.resume && settings.joblog
      ? jobsToSkip(readJoblog(settings.joblog), settings.resume)
      : new Set<number>();
  const slots: number = settings.fleet.concurrency ?? 32;
  const plan = planInput({ ...options, template: templateWords.join(' '), sources, skip, slots });
  const percent = settings.fleet.policy?.batches?.find((size) => typeof size === 'string');
  if (percent !== undefined && plan.total === undefined) {
    // Counting the jobs would mean reading (and holding) all of the input before the first batch.
    throw usageError(
      '--batches',
      `\`${percent}\` is a share of all jobs, and their number is not known before the input (stdin, a file, -X/-m) ends: give batch sizes as numbers (e.g. 1,10,100), or the arguments after :::`,
    );
  }
  const queued = flags.queue !== undefined;
  if (queued && input.selection.length > 0) {
    throw usageError('--queue', 'a queued run takes no selection: each `fanout worker` selects its targets');
  }
  if (queued && flags.env !== undefined) {
    throw usageError('--env', 'a queued run takes no environment: give --env to each `fanout worker`');
  }
  const outputCap = queuedOutputCap(flags.outputCap, queued);
  if (!queued && input.selection.length === 0) {
    throw usageError('jobs', 'expected a selection of targets, e.g. fanout jobs @all -- ...');
  }
  const around = jobFilesOf(flags, { queued, pipe: options.pipe !== undefined });
  const selection = queued ? undefined : resolveSelectionGroups(input.selection, flags, io);
  const selected = selection ? createTargets(selection.specs) : [];
  const slotTracker = createSlots();
  // In a queued run, {%} is the slot on the worker that runs the job: a number stands for it until then.
  const slotMarker = queued && plan.template.usesSlot ? createSlotMarker() : undefined;
  const slot = slotMarker === undefined ? slotTracker.take : () => slotMarker;
  const built = plan.jobs(io.stdin, plan.template.usesSlot ? slot : undefined);
  const stream = around ? withFiles(built, around) : built;

  if (settings.dryRun) {
    const marker = slotMarker === undefined ? undefined : String(slotMarker);
    for await (const job of stream) {
      const command = marker === undefined ? job.command : job.command.replaceAll(marker, '{%}');
      io.stdout.write(`#${job.seq}\t${redactSecrets(command)}\n`);
    }
    return 0;
  }
  if (queued) {
    const { submitJobs } = await import('./submit.js');
    const template = templateWords.join(' ');
    return submitJobs({
      template,
      jobs: stream,
      total: plan.total,
      slotMarker,
      outputCap,
      settings,
      flags,
      io,
    });
  }
  const members = await applyRunAs(selected, flags, io);
  if (skip.size > 0 && settings.progress !== 'none') {
    io.stderr.write(
      `fanout: resuming: skipping ${countOf(skip.size, 'job')} recorded in ${settings.joblog}\n`,
    );
  }
  // Jobs from the command line are few enough to list, so the run knows its total (for ETA and N%);
  // `{%}` needs each job built when it starts, so those stay lazy.
  let jobs: AsyncIterable<InputJob> | InputJob[] = stream;
  if (plan.total !== undefined && !plan.template.usesSlot) {
    const all: InputJob[] = [];
    for await (const job of stream) all.push(job);
    jobs = all;
  }
  return runSession(
    {
      settings,
      members,
      total: plan.total,
      ...(selection ? { groupOf: selection.groupOf } : {}),
      label: (target, seq) => `${target} #${seq}`,
      collapseLabel: (_target, seq) => `#${seq}`,
      resultsName: (_target, seq) => String(seq),
      start: (fleetOptions: Partial<FleetOptions>) =>
        distribute(jobs, members, {
          ...fleetOptions,
          onEvent: (event) => {
            slotTracker.onEvent(event);
            fleetOptions.onEvent?.(event);
          },
        }),
    },
    io,
  );
}
