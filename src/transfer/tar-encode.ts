import { Readable } from 'node:stream';
import type { TransferEntry } from './entry.js';
import { BLOCK, blockPadding, encodeTarHeader } from './tar-header.js';

/** Headers and small files are gathered into chunks of about this size: one write each, not one per entry. */
const CHUNK = 64 * 1024;

function checkSize(entry: TransferEntry, sent: number): void {
  if (sent > entry.size) throw new Error(`${entry.path} grew while being sent`);
  if (sent < entry.size) throw new Error(`${entry.path} shrank while being sent`);
}

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
  let pending: Buffer[] = [];
  let pendingSize = 0;
  const add = (buffer: Buffer): void => {
    pending.push(buffer);
    pendingSize += buffer.length;
  };
  const take = (): Buffer => {
    const chunk = Buffer.concat(pending, pendingSize);
    pending = [];
    pendingSize = 0;
    return chunk;
  };

  async function* generate(): AsyncGenerator<Buffer> {
    for await (const entry of entries) {
      add(encodeTarHeader({ ...entry, path: rename(entry) }));
      if (entry.type === 'file' && entry.readAll) {
        const data = await entry.readAll();
        checkSize(entry, data.length);
        add(data);
        add(blockPadding(entry.size));
      } else if (entry.type === 'file') {
        yield take();
        let sent = 0;
        for await (const chunk of entry.open() as AsyncIterable<Buffer>) {
          sent += chunk.length;
          if (sent > entry.size) checkSize(entry, sent);
          yield chunk;
        }
        checkSize(entry, sent);
        add(blockPadding(entry.size));
      }
      if (pendingSize >= CHUNK) yield take();
    }
    add(Buffer.alloc(BLOCK * 2));
    yield take();
  }
  return Readable.from(generate(), { objectMode: false });
}
