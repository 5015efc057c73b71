import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { FanoutError } from '../../errors.js';
import { decodeBytes } from '../../internal/bytes.js';

/** One input source: the values after `:::`, or the lines of a file after `::::` (`-` is stdin). */
export type InputSource =
  | { readonly kind: 'values'; readonly values: readonly string[]; readonly linked: boolean }
  | { readonly kind: 'file'; readonly path: string; readonly linked: boolean };

/** The words after `--` of `fanout jobs`, split into the template and its input sources. */
export interface InputWords {
  readonly template: readonly string[];
  /** Empty when the arguments come from stdin. */
  readonly sources: readonly InputSource[];
}

const MARKERS = new Set([':::', ':::+', '::::', '::::+']);

function usage(message: string): FanoutError {
  return new FanoutError(message, { code: 'USAGE' });
}

/**
 * Splits `template… ::: a b ::: 1 2 :::: file` into the template words and the input sources, as GNU
 * parallel reads them: each `:::` starts a list of values, each file after `::::` is a source of its own,
 * and `:::+` / `::::+` link a source to the one before it (values paired, not combined).
 *
 * @example
 * splitInputWords(['echo', '{1}{2}', ':::', 'a', 'b', ':::', '1', '2']).sources.length // 2
 */
export function splitInputWords(words: readonly string[]): InputWords {
  const first = words.findIndex((word) => MARKERS.has(word));
  if (first < 0) return { template: words, sources: [] };
  const sources: InputSource[] = [];
  let index = first;
  while (index < words.length) {
    const marker = words[index]!;
    let end = index + 1;
    while (end < words.length && !MARKERS.has(words[end]!)) end += 1;
    const items = words.slice(index + 1, end);
    const linked = marker.endsWith('+');
    if (items.length === 0)
      throw usage(
        `${marker}: expected ${marker.startsWith('::::') ? 'a file' : 'arguments'} after \`${marker}\``,
      );
    if (linked && sources.length === 0)
      throw usage(`${marker}: links to an input source before it, and there is none`);
    if (marker.startsWith('::::')) {
      items.forEach((path, position) => {
        checkReadable(marker, path);
        sources.push({ kind: 'file', path, linked: linked && position === 0 });
      });
    } else sources.push({ kind: 'values', values: items, linked });
    index = end;
  }
  if (sources.filter((source) => source.kind === 'file' && source.path === '-').length > 1) {
    throw usage(':::: -: stdin can be read only once');
  }
  return { template: words.slice(0, first), sources };
}

function checkReadable(marker: string, path: string): void {
  if (path === '-') return;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch (error) {
    throw usage(`${marker}: cannot read \`${path}\`: ${(error as Error).message}`);
  }
}

/**
 * The lines of a stream, read lazily as bytes (a final line without a newline counts; `\r\n` is one line
 * end); bytes that are not UTF-8 are kept as lone surrogates (see `decodeBytes`), never replaced.
 *
 * @example
 * for await (const line of readLines(process.stdin)) console.log(line);
 */
export async function* readLines(stream: Readable): AsyncGenerator<string> {
  let partial: Buffer[] = [];
  const finish = (line: Buffer): string => decodeBytes(line.at(-1) === 0x0d ? line.subarray(0, -1) : line);
  for await (const raw of stream as AsyncIterable<Buffer | string>) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let from = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
      partial.push(chunk.subarray(from, newline));
      const line = partial.length === 1 ? partial[0]! : Buffer.concat(partial);
      partial = [];
      yield finish(line);
      from = newline + 1;
    }
    if (from < chunk.length) partial.push(chunk.subarray(from));
  }
  if (partial.length > 0) yield finish(Buffer.concat(partial));
}

/**
 * The values of a source, read lazily: a file is opened only when its first value is needed.
 *
 * @example
 * for await (const value of readSource({ kind: 'file', path: 'hosts.txt', linked: false }, process.stdin)) …
 */
export async function* readSource(source: InputSource, stdin: Readable): AsyncGenerator<string> {
  if (source.kind === 'values') {
    yield* source.values;
    return;
  }
  const stream = source.path === '-' ? stdin : createReadStream(source.path);
  try {
    yield* readLines(stream);
  } finally {
    if (stream !== stdin) stream.destroy();
  }
}
