import type { Readable } from 'node:stream';
import { FanoutError } from '../../errors.js';
import { combineSources, countRecords } from './combine.js';
import { readChunks, type ChunkSize } from './pipe.js';
import { readLines, type InputSource } from './sources.js';
import { parseTemplate, renderTemplate, type Template } from './template.js';

/** How arguments become jobs, as GNU parallel's options say it. */
export interface InputOptions {
  /** The command template (the words after `--`, before the first `:::`), joined with spaces. */
  readonly template: string;
  /** The input sources; none means one argument per stdin line. */
  readonly sources: readonly InputSource[];
  /** `--link`: pair the sources' values instead of combining them. Default false. */
  readonly link?: boolean;
  /** `--colsep`: split each value into columns, the positional arguments `{1} {2}`. Default: no split. */
  readonly colsep?: RegExp;
  /** `-N`: this many records per job. Default 1. */
  readonly maxArgs?: number;
  /** `-X` (repeat the word around `{}` per argument) or `-m` (all arguments in `{}`): as many per job as fit. */
  readonly pack?: 'repeat' | 'join';
  /** With `pack` and a known count: spread the arguments over this many job slots. Default 1. */
  readonly slots?: number;
  /** Longest command `pack` builds, in characters. Default 65536. */
  readonly maxChars?: number;
  /** `--pipe`: stdin cut into chunks, each a job's stdin. Default: off. */
  readonly pipe?: ChunkSize;
  /** Job numbers to leave out (a resumed joblog's). */
  readonly skip?: ReadonlySet<number>;
}

/** A job as the input builds it: numbered, with its arguments, command and (for `--pipe`) stdin. */
export interface InputJob {
  readonly seq: number;
  readonly args: readonly string[];
  readonly command: string;
  readonly stdin?: Buffer;
  /** Why the job cannot run (an argument no shell can take): it fails with this message, nothing starts. */
  readonly error?: string;
}

/** The jobs of a run, read lazily; `total` when known before reading (every source on the command line). */
export interface InputPlan {
  readonly template: Template;
  readonly total: number | undefined;
  /** Builds the jobs; `slot(seq)` gives `{%}` when the job is built (the moment it can start). */
  readonly jobs: (stdin: Readable, slot?: (seq: number) => number) => AsyncGenerator<InputJob>;
}

const DEFAULT_MAX_CHARS = 65_536;

function usage(flag: string, message: string): FanoutError {
  return new FanoutError(`${flag}: ${message}`, { code: 'USAGE' });
}

function checkOptions(options: InputOptions, template: Template): void {
  const { pipe, pack, maxArgs, colsep, sources } = options;
  const packFlag = pack === 'repeat' ? '-X' : '-m';
  if (pipe) {
    if (sources.length > 0) throw usage('--pipe', 'reads stdin; it takes no `:::` or `::::` sources');
    if (template.hasArgs)
      throw usage('--pipe', 'jobs get their input on stdin: the template cannot use {} or {n}');
    if (pack) throw usage(packFlag, 'cannot be combined with --pipe');
    if (colsep) throw usage('--colsep', 'cannot be combined with --pipe');
    return;
  }
  if (pack && maxArgs !== undefined) throw usage('-N', `cannot be combined with ${packFlag}`);
  if (pack && (template.maxPosition > 0 || colsep || sources.length > 1)) {
    throw usage(
      packFlag,
      'packs the arguments of one input source into {}: no {n}, --colsep or second source',
    );
  }
  if (maxArgs !== undefined && sources.length > 1) {
    throw usage('-N', 'takes its arguments from one input source');
  }
  const perRecord = Math.max(1, sources.length);
  const perJob = perRecord * (maxArgs ?? 1);
  if (!colsep && template.maxPosition > perJob) {
    throw usage(
      `{${template.maxPosition}}`,
      `each job has ${perJob} argument${perJob === 1 ? '' : 's'} (one per input source${maxArgs ? ', times -N' : ''}); use --colsep to split lines into columns`,
    );
  }
}

async function* records(options: InputOptions, stdin: Readable): AsyncGenerator<string[]> {
  const raw =
    options.sources.length === 0
      ? (async function* () {
          for await (const line of readLines(stdin)) if (line !== '') yield [line];
        })()
      : combineSources(options.sources, stdin, options.link ?? false);
  const { colsep } = options;
  for await (const record of raw) yield colsep ? record.flatMap((value) => value.split(colsep)) : record;
}

/** Groups records into the argument lists of jobs: `-N n` records each, or as many as fit (`-X`, `-m`). */
async function* argumentLists(
  options: InputOptions,
  template: Template,
  input: AsyncIterable<string[]>,
  total: number | undefined,
): AsyncGenerator<string[]> {
  if (!options.pack && (options.maxArgs ?? 1) === 1) {
    yield* input;
    return;
  }
  const limit = options.pack
    ? total === undefined
      ? Infinity
      : Math.max(1, Math.ceil(total / (options.slots ?? 1)))
    : options.maxArgs!;
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const repeat = options.pack === 'repeat';
  const base = renderTemplate(template, { args: [], seq: 1 }, repeat).length;
  let batch: string[] = [];
  let taken = 0;
  let length = base;
  for await (const record of input) {
    const grow = options.pack
      ? renderTemplate(template, { args: record, seq: 1 }, repeat).length - base + 1
      : 0;
    if (taken > 0 && (taken >= limit || length + grow > maxChars)) {
      yield batch;
      batch = [];
      taken = 0;
      length = base;
    }
    batch.push(...record);
    taken += 1;
    length += grow;
  }
  if (batch.length > 0) yield batch;
}

/**
 * A job from its arguments; an argument that cannot reach a command exactly (one with a NUL byte) makes a job
 * that fails with the reason, so one bad input line does not stop the run. Bytes that are not UTF-8 reach the
 * command exactly (see `quote`).
 */
function buildJob(seq: number, args: readonly string[], render: () => string): InputJob {
  const bad = args.findIndex((arg) => arg.includes('\0'));
  if (bad >= 0) {
    const error = `argument ${bad + 1} of job #${seq} holds a NUL byte: it cannot be passed to a command`;
    return { seq, args, command: args.join(' ').replaceAll('\0', '\\0'), error };
  }
  try {
    return { seq, args, command: render() };
  } catch (error) {
    return { seq, args, command: args.join(' '), error: `job #${seq}: ${(error as Error).message}` };
  }
}

/**
 * Plans the jobs of `fanout jobs` from GNU parallel's input language: sources, linking, columns,
 * arguments per job, `--pipe` chunks, and the template's replacement strings. Mistakes (an unsupported
 * replacement string, a position no job has, options that do not combine) are USAGE errors, thrown here
 * before anything runs.
 *
 * @example
 * const plan = planInput({ template: 'echo {1} {2}', sources: splitInputWords(words).sources });
 * for await (const job of plan.jobs(process.stdin)) console.log(job.command);
 */
export function planInput(options: InputOptions): InputPlan {
  const template = parseTemplate(options.template);
  checkOptions(options, template);
  const skip = options.skip ?? new Set<number>();
  const count = options.pipe ? undefined : countRecords(options.sources, options.link ?? false);
  const total = count === undefined || options.pack ? undefined : Math.ceil(count / (options.maxArgs ?? 1));
  const repeat = options.pack === 'repeat';
  async function* jobs(stdin: Readable, slot?: (seq: number) => number): AsyncGenerator<InputJob> {
    let seq = 0;
    if (options.pipe) {
      for await (const chunk of readChunks(stdin, options.pipe)) {
        seq += 1;
        if (skip.has(seq)) continue;
        const fill = { args: [], seq, slot: slot?.(seq) };
        yield { seq, args: [], command: renderTemplate(template, fill), stdin: chunk };
      }
      return;
    }
    for await (const args of argumentLists(options, template, records(options, stdin), count)) {
      seq += 1;
      if (skip.has(seq)) continue;
      yield buildJob(seq, args, () => renderTemplate(template, { args, seq, slot: slot?.(seq) }, repeat));
    }
  }
  return {
    template,
    total: total === undefined ? undefined : total - [...skip].filter((seq) => seq <= total).length,
    jobs,
  };
}
