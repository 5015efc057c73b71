import type { Readable } from 'node:stream';

/** How `--pipe` cuts stdin: blocks of about `blockSize` bytes, or `records` lines each; always at a line end. */
export type ChunkSize = { readonly blockSize: number } | { readonly records: number };

const NEWLINE = 0x0a;

/** The end (exclusive) of the first chunk in `data`, or -1 when more input is needed. */
function chunkEnd(data: Buffer, size: ChunkSize): number {
  if ('blockSize' in size) {
    if (data.length < size.blockSize) return -1;
    const newline = data.indexOf(NEWLINE, size.blockSize - 1);
    return newline < 0 ? -1 : newline + 1;
  }
  let at = -1;
  for (let seen = 0; seen < size.records; seen++) {
    at = data.indexOf(NEWLINE, at + 1);
    if (at < 0) return -1;
  }
  return at + 1;
}

/**
 * Splits a stream into chunks for GNU parallel's `--pipe`: each chunk ends at a line end (a block grows to
 * the next one), the last holds what is left. Read lazily: a chunk is cut only when the next is asked for,
 * so memory stays at about one chunk plus those being run.
 *
 * @example
 * for await (const chunk of readChunks(process.stdin, { records: 1000 })) …
 */
export async function* readChunks(stream: Readable, size: ChunkSize): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const piece of stream) {
    pending = pending.length === 0 ? (piece as Buffer) : Buffer.concat([pending, piece as Buffer]);
    for (let end = chunkEnd(pending, size); end > 0; end = chunkEnd(pending, size)) {
      yield pending.subarray(0, end);
      pending = pending.subarray(end);
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * Parses a `--block` size: bytes, or with a suffix k, M, G (powers of 1024, as GNU parallel).
 *
 * @example
 * parseSize('10M') // 10485760
 */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmMgG]?)[bB]?$/.exec(text.trim());
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match?.[2] ?? '').toLowerCase()];
  const bytes = match && scale ? Math.floor(Number(match[1]) * scale) : NaN;
  if (!(bytes >= 1)) throw new TypeError(`expected a size such as 512k, 1M or 4096, got \`${text}\``);
  return bytes;
}
