import { Readable } from 'node:stream';
import type { TransferEntry } from './entry.js';
import { BLOCK, decodeTarBlock, parsePaxRecords, type RawTarHeader } from './tar-header.js';

/** Reads exact byte counts from a stream of chunks, holding at most one chunk. */
class ByteReader {
  readonly #chunks: AsyncIterator<Buffer>;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(stream: Readable) {
    this.#chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  async read(max: number): Promise<Buffer | undefined> {
    if (this.#buffer.length === 0) {
      const next = await this.#chunks.next();
      if (next.done) return undefined;
      this.#buffer = next.value;
    }
    const out = this.#buffer.subarray(0, max);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  async exactly(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < length) {
      const part = await this.read(length - have);
      if (!part) throw new Error('Truncated tar archive');
      parts.push(part);
      have += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async skip(length: number): Promise<void> {
    for (let left = length; left > 0;) {
      const part = await this.read(left);
      if (!part) throw new Error('Truncated tar archive');
      left -= part.length;
    }
  }
}

const TYPES: Record<string, TransferEntry['type']> = {
  '0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
};

function normalizeName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * The entries of a tar stream (ustar, PAX and GNU long names), each file's body read straight from the
 * stream: a body left unread is skipped. Hard links, devices and FIFOs are refused.
 *
 * @example
 * for await (const entry of decodeTar(await container.getArchive({ path: '/var/log/app' }))) …
 */
export async function* decodeTar(stream: Readable): AsyncGenerator<TransferEntry> {
  const reader = new ByteReader(stream);
  let extended = new Map<string, string>();
  for (;;) {
    const block = await reader
      .read(BLOCK)
      .then((first) =>
        first && first.length < BLOCK
          ? reader.exactly(BLOCK - first.length).then((rest) => Buffer.concat([first, rest]))
          : first,
      );
    if (!block) return;
    const raw = decodeTarBlock(block);
    if (!raw) return;
    const padded = Math.ceil(raw.size / BLOCK) * BLOCK;
    if (raw.flag === 'x' || raw.flag === 'L' || raw.flag === 'K') {
      const data = (await reader.exactly(padded)).subarray(0, raw.size);
      if (raw.flag === 'x') extended = new Map([...extended, ...parsePaxRecords(data)]);
      else extended.set(raw.flag === 'L' ? 'path' : 'linkpath', data.toString('utf8').replace(/\0+$/, ''));
      continue;
    }
    if (raw.flag === 'g') {
      await reader.skip(padded);
      continue;
    }
    const header: RawTarHeader = {
      ...raw,
      name: extended.get('path') ?? raw.name,
      linkName: extended.get('linkpath') ?? raw.linkName,
      size: extended.has('size') ? Number(extended.get('size')) : raw.size,
      mtimeMs: extended.has('mtime') ? Number(extended.get('mtime')) * 1000 : raw.mtimeMs,
    };
    extended = new Map();
    const type = TYPES[header.flag];
    if (!type) throw new Error(`Cannot extract ${header.name}: unsupported tar entry type '${header.flag}'`);
    const size = type === 'file' ? header.size : 0;
    let left = size;
    async function* body(): AsyncGenerator<Buffer> {
      while (left > 0) {
        const part = await reader.read(left);
        if (!part) throw new Error('Truncated tar archive');
        left -= part.length;
        yield part;
      }
    }
    yield {
      path: normalizeName(header.name),
      type,
      mode: header.mode & 0o7777,
      size,
      mtimeMs: header.mtimeMs,
      linkTarget: type === 'symlink' ? header.linkName : '',
      open: () => Readable.from(body(), { objectMode: false }),
    };
    await reader.skip(left + (Math.ceil(size / BLOCK) * BLOCK - size));
  }
}
