import { Readable } from 'node:stream';
import type { TransferEntry } from './entry.js';
import { BLOCK, blockPadding, encodeTarHeader } from './tar-header.js';

/**
 * A tar stream of `entries`, produced as the reader pulls it: memory stays at one chunk whatever the sizes.
 * `rename` gives the name an entry is stored under (a temporary name, say). A file whose size is not the
 * announced one (it changed while being sent) fails the stream.
 *
 * @example
 * await container.putArchive(encodeTar(walkLocal('./dist')), { path: '/srv' });
 */
export function encodeTar(
  entries: AsyncIterable<TransferEntry>,
  rename: (entry: TransferEntry) => string = (entry) => entry.path,
): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const entry of entries) {
      yield encodeTarHeader({ ...entry, path: rename(entry) });
      if (entry.type !== 'file') continue;
      let sent = 0;
      for await (const chunk of entry.open() as AsyncIterable<Buffer>) {
        sent += chunk.length;
        if (sent > entry.size) throw new Error(`${entry.path} grew while being sent`);
        yield chunk;
      }
      if (sent !== entry.size) throw new Error(`${entry.path} shrank while being sent`);
      yield blockPadding(entry.size);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  return Readable.from(generate(), { objectMode: false });
}
