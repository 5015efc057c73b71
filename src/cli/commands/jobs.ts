import { createInterface } from 'node:readline';
import {
  createTargets,
  distribute,
  expandTemplate,
  jobsToSkip,
  parseTemplate,
  readJoblog,
  type FleetJobInput,
} from '../../index.js';
import type { CliFlags } from '../flags.js';
import type { CliIo, CommandInput } from '../io.js';
import { resolveSettings } from '../options.js';
import { usageError } from '../usage.js';
import { resolveSelection } from './select.js';
import { runSession } from './session.js';

/** The arguments after `:::`, or the lines of stdin read lazily (one job each, empty lines skipped). */
async function* readArguments(args: readonly string[] | undefined, io: CliIo): AsyncGenerator<string> {
  if (args) {
    yield* args;
    return;
  }
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield line;
}

/** Jobs built from the template, numbered from 1, without the ones a resumed joblog says to skip. */
async function* buildJobs(
  template: string,
  args: AsyncIterable<string>,
  skip: ReadonlySet<number>,
): AsyncGenerator<FleetJobInput> {
  let seq = 0;
  for await (const arg of args) {
    seq += 1;
    if (!skip.has(seq)) yield { seq, args: [arg], command: expandTemplate(template, [arg], seq) };
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * `fanout jobs <selection…> -- <template…> [::: <arg…>]`: one job per argument (or stdin line), `{}`
 * replaced by it (quoted), spread over the selected targets.
 *
 * @example
 * await jobsCommand({ selection: ['@all'], words: ['gzip', '{}', ':::', 'a.log', 'b.log'], flags: {}, io });
 */
export async function jobsCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { io, flags } = input;
  const settings = resolveSettings(flags, io.stderr.isTTY === true);
  const words = input.words ?? [];
  const marker = words.indexOf(':::');
  const templateWords = marker < 0 ? words : words.slice(0, marker);
  const args = marker < 0 ? undefined : words.slice(marker + 1);
  if (input.words === undefined || templateWords.length === 0) {
    throw usageError(
      'jobs',
      "expected a command template after `--`, e.g. fanout jobs @all -- 'gzip {}' ::: a b",
    );
  }
  if (args?.length === 0) throw usageError(':::', 'expected arguments after `:::`');
  if (!args && (io.stdin as { isTTY?: boolean }).isTTY) {
    throw usageError('jobs', 'no arguments: give them after `:::` or pipe one per line on stdin');
  }
  const template = templateWords.join(' ');
  parseTemplate(template); // a template whose {} cannot be quoted safely is refused before anything runs
  const queued = flags.queue !== undefined;
  if (queued && input.selection.length > 0) {
    throw usageError('--queue', 'a queued run takes no selection: each `fanout worker` selects its targets');
  }
  if (!queued && input.selection.length === 0) {
    throw usageError('jobs', 'expected a selection of targets, e.g. fanout jobs @all -- ...');
  }
  const members = queued ? [] : createTargets(resolveSelection(input.selection, flags));
  const skip =
    settings.resume && settings.joblog
      ? jobsToSkip(readJoblog(settings.joblog), settings.resume)
      : new Set<number>();
  const stream = buildJobs(template, readArguments(args, io), skip);
  // Arguments on the command line are few enough to list: the run then knows its total (for ETA and N%).
  const jobs = args ? await collect(stream) : stream;

  if (settings.dryRun) {
    for await (const job of jobs) {
      if (typeof job !== 'string') io.stdout.write(`#${job.seq}\t${job.command}\n`);
    }
    return 0;
  }
  if (queued) {
    const { submitJobs } = await import('./submit.js');
    return submitJobs({ template, jobs, total: args?.length, settings, flags, io });
  }
  if (skip.size > 0 && settings.progress !== 'none') {
    io.stderr.write(`fanout: resuming: ${skip.size} jobs in ${settings.joblog} are skipped\n`);
  }
  return runSession(
    {
      settings,
      members,
      total: args ? args.length - [...skip].filter((seq) => seq <= args.length).length : undefined,
      label: (target, seq) => `${target} #${seq}`,
      collapseLabel: (_target, seq) => `#${seq}`,
      start: (options) => distribute(jobs, members, options),
    },
    io,
  );
}
