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

/** One job's argument, or why its input line cannot be one. */
type Argument = { readonly arg: string } | { readonly bad: string };

/** Splits a byte stream into lines (a `\r` before the `\n` is dropped), keeping each line's bytes. */
async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let partial: Buffer[] = [];
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      partial.push(chunk.subarray(from, newline));
      const line = Buffer.concat(partial);
      partial = [];
      yield line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
      from = newline + 1;
    }
    if (from < chunk.length) partial.push(chunk.subarray(from));
  }
  if (partial.length > 0) yield Buffer.concat(partial);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A stdin line as an argument; a line that cannot be passed exactly to a shell is a bad one, not a crash. */
function toArgument(line: Buffer, number: number): Argument {
  const nul = line.indexOf(0);
  if (nul >= 0)
    return { bad: `input line ${number} holds a NUL byte (at byte ${nul + 1}): a shell argument cannot` };
  try {
    return { arg: strictUtf8.decode(line) };
  } catch {
    return { bad: `input line ${number} is not valid UTF-8: its bytes cannot be passed exactly` };
  }
}

/** The arguments after `:::`, or the lines of stdin read lazily (one job each, empty lines skipped). */
async function* readArguments(args: readonly string[] | undefined, io: CliIo): AsyncGenerator<Argument> {
  if (args) {
    for (const arg of args) yield { arg };
    return;
  }
  let number = 0;
  for await (const line of readLines(io.stdin)) {
    number += 1;
    if (line.length > 0) yield toArgument(line, number);
  }
}

/**
 * Jobs built from the template, numbered from 1, without the ones a resumed joblog says to skip. An
 * argument the template cannot take becomes a job that fails with the reason, so the run goes on.
 */
async function* buildJobs(
  template: string,
  args: AsyncIterable<Argument>,
  skip: ReadonlySet<number>,
): AsyncGenerator<FleetJobInput> {
  let seq = 0;
  for await (const item of args) {
    seq += 1;
    if (skip.has(seq)) continue;
    if ('bad' in item) {
      yield { seq, args: [], command: template, error: item.bad };
      continue;
    }
    try {
      yield { seq, args: [item.arg], command: expandTemplate(template, [item.arg], seq) };
    } catch (error) {
      const reason = `argument ${seq} cannot be used: ${(error as Error).message}`;
      yield { seq, args: [item.arg], command: template, error: reason };
    }
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
  const members = createTargets(resolveSelection(input.selection, flags));
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
