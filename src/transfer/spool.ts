import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stream saved to a private temporary file, for transports that need the size before the bytes. */
export interface Spool {
  readonly size: number;
  readonly sha256: string;
  open(): Readable;
  remove(): Promise<void>;
}

/**
 * Writes `source` to a temporary file (memory stays bounded) and returns its size and sha256.
 *
 * @example
 * const spool = await spoolToFile(process.stdin, signal);
 */
export async function spoolToFile(source: Readable, signal: AbortSignal): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-spool-'));
  const file = join(dir, 'data');
  const hash = createHash('sha256');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(source, hashing, createWriteStream(file, { mode: 0o600 }), { signal });
    const { size } = await stat(file);
    return { size, sha256: hash.digest('hex'), open: () => createReadStream(file), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
