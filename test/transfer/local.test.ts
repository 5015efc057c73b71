import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { localTarget } from '../../src/targets/local.js';
import { localFileSystem } from '../../src/targets/local-transfer.js';
import { TransferContext } from '../../src/transfer/context.js';
import { normalizeTransferOptions } from '../../src/transfer/options.js';
import { decodeTar } from '../../src/transfer/tar-decode.js';
import { encodeTar } from '../../src/transfer/tar-encode.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { writeToFileSystem } from '../../src/transfer/write-file-system.js';
import type { TransferEntry } from '../../src/transfer/entry.js';
import { describeTree, leftovers, makeTree, OLD_MTIME, scratch } from './tree.js';

function entry(path: string, content = 'x', extra: Partial<TransferEntry> = {}): TransferEntry {
  const body = Buffer.from(content);
  return {
    path,
    type: 'file',
    mode: 0o644,
    size: body.length,
    mtimeMs: 0,
    linkTarget: '',
    open: () => Readable.from([body]),
    ...extra,
  };
}

async function* list(entries: TransferEntry[]): AsyncGenerator<TransferEntry> {
  yield* entries;
}

describe('transfer on the local target', () => {
  it('copies a tree keeping modes and links, links never followed', async () => {
    const source = scratch();
    makeTree(source);
    const dest = join(scratch(), 'copy');
    const result = await upload(localTarget, source, dest);
    expect(describeTree(dest)).toEqual(describeTree(source));
    expect(describeTree(dest)['outside']).toBe('link -> /etc/passwd');
    expect(result).toMatchObject({ target: 'local', files: 6, skipped: 0, bytes: 70_000 + 18 + 4 });
    expect(leftovers(dest)).toEqual([]);
  });

  it('keeps modification times only with preserve', async () => {
    const source = scratch();
    makeTree(source);
    const kept = join(scratch(), 'kept');
    const fresh = join(scratch(), 'fresh');
    await upload(localTarget, source, kept, { preserve: true });
    await upload(localTarget, source, fresh);
    expect(statSync(join(kept, 'run.sh')).mtimeMs).toBe(OLD_MTIME.getTime());
    expect(statSync(join(fresh, 'run.sh')).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('creates missing parents only with mkdirs', async () => {
    const dest = join(scratch(), 'a/b/file');
    const refused = await upload(localTarget, Buffer.from('hi'), dest).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'TRANSFER_FAILED', path: join(dest, '..') });
    await upload(localTarget, Buffer.from('hi'), dest, { mkdirs: true, mode: 0o640 });
    expect(readFileSync(dest, 'utf8')).toBe('hi');
    expect(statSync(dest).mode & 0o777).toBe(0o640);
  });

  it('uploads a stream and downloads into a stream', async () => {
    const dest = join(scratch(), 'streamed');
    await upload(localTarget, Readable.from([Buffer.from('one '), Buffer.from('two')]), dest);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    await download(localTarget, dest, sink, { checksum: true });
    expect(Buffer.concat(chunks).toString()).toBe('one two');
  });

  it('fails with SOURCE_NOT_FOUND for a missing local file, creating nothing', async () => {
    const dir = scratch();
    const error = await upload(localTarget, join(dir, 'nope'), join(dir, 'out')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_FOUND', path: join(dir, 'nope') });
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('sync skips files whose size and time match and sends the rest', async () => {
    const source = scratch();
    makeTree(source);
    const dest = join(scratch(), 'synced');
    await upload(localTarget, source, dest, { sync: true });
    writeFileSync(join(source, 'secret'), 'new key\n');
    const again = await upload(localTarget, source, dest, { sync: true });
    expect(again).toMatchObject({ files: 6, skipped: 3 });
    expect(readFileSync(join(dest, 'secret'), 'utf8')).toBe('new key\n');
  });

  it('reports progress in bytes', async () => {
    const dest = join(scratch(), 'progress');
    const seen: number[] = [];
    await upload(localTarget, Buffer.alloc(300_000, 1), dest, {
      onProgress: ({ bytes }) => seen.push(bytes),
    });
    expect(seen.at(-1)).toBe(300_000);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('an abort leaves neither the final name nor a temporary file', async () => {
    const dir = scratch();
    const controller = new AbortController();
    const slow = new Readable({ read() {} });
    slow.push(Buffer.alloc(1000));
    setTimeout(() => controller.abort(), 100);
    const error = await upload(localTarget, slow, join(dir, 'big'), { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(existsSync(join(dir, 'big'))).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a timeout fails with TIMEOUT and removes the temporary file', async () => {
    const dir = scratch();
    const slow = new Readable({ read() {} });
    const error = await upload(localTarget, slow, join(dir, 'big'), { timeout: '100ms' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(leftovers(dir)).toEqual([]);
  });

  it('checksum detects a source file that changes while being sent', async () => {
    const dir = scratch();
    const file = join(dir, 'growing');
    writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 1));
    const dest = join(dir, 'copy');
    let changed = false;
    const error = await upload(localTarget, file, dest, {
      checksum: true,
      onProgress: ({ bytes }) => {
        if (!changed && bytes > 0) {
          changed = true;
          writeFileSync(file, Buffer.alloc(4 * 1024 * 1024, 2));
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(existsSync(dest)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('archive entries on extraction', () => {
  const context = () => new TransferContext('local', normalizeTransferOptions({}));

  it.each(['../escape', '/etc/evil', 'a/../../escape', 'a/./b'])(
    'refuses the entry %s before writing it',
    async (path) => {
      const dest = join(scratch(), 'out');
      mkdirSync(dest);
      const archive = encodeTar(list([entry('ok', 'fine'), entry(path)]));
      const error = await writeToFileSystem(localFileSystem, dest, decodeTar(archive), context()).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'UNSAFE_PATH' });
      expect(readFileSync(join(dest, 'ok'), 'utf8')).toBe('fine');
      expect(existsSync(join(dest, '..', 'escape'))).toBe(false);
    },
  );

  it('refuses to write through a symbolic link in the destination', async () => {
    const outside = scratch();
    const dest = join(scratch(), 'out');
    mkdirSync(dest);
    const archive = encodeTar(
      list([entry('link', '', { type: 'symlink', linkTarget: outside, size: 0 }), entry('link/planted')]),
    );
    const error = await writeToFileSystem(localFileSystem, dest, decodeTar(archive), context()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'UNSAFE_PATH' });
    expect(existsSync(join(outside, 'planted'))).toBe(false);
    symlinkSync(outside, join(dest, 'old-link'));
    const again = encodeTar(list([entry('old-link/planted')]));
    await expect(writeToFileSystem(localFileSystem, dest, decodeTar(again), context())).rejects.toMatchObject(
      { code: 'UNSAFE_PATH' },
    );
  });

  it('round-trips long names, large sizes of headers and PAX records through the tar codec', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const content = Buffer.alloc(1025, 3);
    const decoded: Array<{ path: string; hash: string; link: string }> = [];
    const archive = encodeTar(
      list([
        entry(long, content.toString()),
        entry('l', '', { type: 'symlink', linkTarget: 't'.repeat(130), size: 0 }),
      ]),
    );
    for await (const item of decodeTar(archive)) {
      const chunks: Buffer[] = [];
      if (item.type === 'file') for await (const chunk of item.open()) chunks.push(chunk as Buffer);
      decoded.push({
        path: item.path,
        hash: createHash('sha256').update(Buffer.concat(chunks)).digest('hex'),
        link: item.linkTarget,
      });
    }
    expect(decoded.map((item) => item.path)).toEqual([long, 'l']);
    expect(decoded[0]!.hash).toBe(createHash('sha256').update(content).digest('hex'));
    expect(decoded[1]!.link).toBe('t'.repeat(130));
  });
});
