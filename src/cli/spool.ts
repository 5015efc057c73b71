import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Input up to this size stays in memory; more is spooled to a temp file. */
const IN_MEMORY = 8 * 1024 * 1024;

/**
 * Reads a stream to its end once, for many readers: the bytes when small, else a temp file and a
 * function opening a fresh stream of it; `dispose()` removes the file.
 *
 * @example
 * const input = await spoolStream(process.stdin);
 * try { run({ stdin: input.stdin }); } finally { input.dispose(); }
 */
export async function spoolStream(
  stream: Readable,
  limit = IN_MEMORY,
): Promise<{ stdin: Buffer | (() => Readable); dispose(): void }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) return spoolToFile(chunks, iterator);
  }
  return { stdin: Buffer.concat(chunks), dispose() {} };
}

async function spoolToFile(
  head: Buffer[],
  rest: AsyncIterator<Buffer | string>,
): Promise<{ stdin: () => Readable; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-stdin-'));
  const file = join(dir, 'stdin');
  try {
    await pipeline(
      (async function* () {
        yield* head;
        for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
      })(),
      createWriteStream(file, { mode: 0o600 }),
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    stdin: () => createReadStream(file),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
