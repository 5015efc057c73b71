import { createHash } from 'node:crypto';
import { posix, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { localFileSystem } from '../targets/local-transfer.js';
import { LocalTarget } from '../targets/local.js';
import type { Target } from '../targets/target.js';
import { TransferContext } from './context.js';
import type { EntrySource, TransferEntry } from './entry.js';
import type { TransferFileSystem } from './file-system.js';
import { openEndpoint, type Endpoint } from './endpoint.js';
import { normalizeTransferOptions, type TransferOptions } from './options.js';
import { readFromArchiveHost } from './read-archive.js';
import { runRemoteScript } from './remote-script.js';
import { spoolToFile } from './spool.js';
import { needsSweep, rememberOrphans, sweepStaging } from './staging.js';
import { walkFileSystem } from './walk-file-system.js';
import { writeToArchiveHost } from './write-archive.js';
import { prepareParent, writeToFileSystem } from './write-file-system.js';

/** What a transfer moved. */
export interface TransferResult {
  /** The target's id: `ssh://deploy@web1:22` … */
  readonly target: string;
  /** Files and links written or found up to date. */
  readonly files: number;
  /** Files `sync` found up to date (no bytes sent). */
  readonly skipped: number;
  /** Bytes of file content, skipped files included. */
  readonly bytes: number;
  readonly durationMs: number;
}

/** Something that names a target: the target, or a shell on it (`$.ssh('web1')`). */
export type TransferTarget = Target | { readonly target: Target };

function targetOf(on: TransferTarget): Target {
  const target = 'spawn' in on ? on : on.target;
  if (!target || typeof target.spawn !== 'function')
    throw new TypeError('Expected a target or a shell on one');
  return target;
}

function checkRemotePath(path: unknown, name: string): string {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new TypeError(
      `Expected \`${name}\` to be an absolute path, got \`${String(path)}\` (${typeof path})`,
    );
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

function singleFile(
  context: TransferContext,
  open: () => Readable,
  size: number,
  sha256?: string,
): EntrySource {
  const entry: TransferEntry = {
    path: '',
    type: 'file',
    mode: context.options.mode,
    size,
    mtimeMs: Date.now(),
    linkTarget: '',
    open,
    ...(sha256 === undefined ? {} : { sourceSha256: async () => sha256 }),
  };
  return (async function* () {
    yield entry;
  })();
}

/**
 * Runs the staging sweep for an upload to `root` as a command of its own, when the directory's listing
 * (one request on the file system the upload uses) or this process's failed uploads give it anything to
 * do; never rejects.
 */
async function sweepBeside(
  target: Target,
  fs: TransferFileSystem,
  root: string,
  context: TransferContext,
): Promise<void> {
  const names = await fs.readdir(posix.dirname(root)).catch(() => []);
  if (!needsSweep(target.id, root, context.nonce, names)) return;
  const sweep = sweepStaging(target.id, root, context.nonce);
  await runRemoteScript(target, sweep.script).then(
    () => sweep.done(true),
    () => sweep.done(false),
  );
}

async function run<T>(
  target: Target,
  context: TransferContext,
  tree: boolean,
  work: (endpoint: Endpoint) => Promise<T>,
): Promise<T> {
  const endpoint = await openEndpoint(target, context.signal, tree).catch((error: unknown) => {
    throw context.failure(error, target.id, 'connect to');
  });
  try {
    return await work(endpoint);
  } finally {
    endpoint.close();
  }
}

/**
 * Copies a local file or directory tree, a Buffer or a stream to `remotePath` on a target (the path the
 * source's root takes there). Each file is written under a temporary name in its directory and renamed
 * once complete; permission bits are kept, modification times with `preserve`; symbolic links are copied
 * as links. A missing local source fails with SOURCE_NOT_FOUND before anything connects. What a cut
 * connection leaves staged on the target goes with the next upload: to the same target for this process's
 * own failed uploads, to the same destination for anyone's once unchanged for a day (see staging.ts).
 *
 * @example
 * await upload($.ssh('deploy@web1'), './dist', '/srv/app/releases/42', { mkdirs: true, checksum: true });
 * await upload(createDockerTarget('app'), Buffer.from('on\n'), '/etc/app/flag');
 */
export async function upload(
  on: TransferTarget,
  source: string | Buffer | Readable,
  remotePath: string,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const target = targetOf(on);
  const root = checkRemotePath(remotePath, 'remotePath');
  const normalized = normalizeTransferOptions(options);
  const started = performance.now();
  let context: TransferContext;
  let entries: EntrySource;
  let cleanup = async (): Promise<void> => {};
  let tree = false;
  if (typeof source === 'string') {
    const path = resolve(source);
    const stat = await localFileSystem.lstat(path);
    tree = stat?.type === 'directory';
    context = new TransferContext(target.id, normalized, stat?.type === 'file' ? stat.size : undefined);
    if (!stat) throw context.error('SOURCE_NOT_FOUND', `${path} does not exist`, path);
    entries = walkFileSystem(localFileSystem, path, context);
  } else if (Buffer.isBuffer(source)) {
    context = new TransferContext(target.id, normalized, source.length);
    const sha256 = normalized.checksum ? createHash('sha256').update(source).digest('hex') : undefined;
    entries = singleFile(context, () => Readable.from([source]), source.length, sha256);
  } else if (source instanceof Readable) {
    context = new TransferContext(target.id, normalized);
    entries = singleFile(context, () => source, Number.NaN);
  } else {
    throw new TypeError('Expected `source` to be a local path, a Buffer or a Readable stream');
  }
  // On this machine's disk a failed upload removes its temporary files itself: nothing to sweep or remember.
  const remote = !(target instanceof LocalTarget);
  try {
    await run(target, context, tree, async (endpoint) => {
      if (endpoint.kind === 'file-system') {
        // The archive writer sweeps in its first script; over SFTP the sweep runs beside the write.
        const swept = remote ? sweepBeside(target, endpoint.fs, root, context) : undefined;
        try {
          await prepareParent(endpoint.fs, root, context);
          return await writeToFileSystem(endpoint.fs, root, entries, context);
        } finally {
          await swept;
        }
      }
      if (source instanceof Readable) {
        // A tar header needs the size first: the stream goes to a local file, then on.
        const spool = await spoolToFile(source, context.signal);
        cleanup = spool.remove;
        entries = singleFile(context, spool.open, spool.size, spool.sha256);
      }
      return writeToArchiveHost(endpoint.host, root, entries, context);
    });
  } catch (error) {
    // Its staged copy may be left where the connection was cut: the next upload to the target removes it.
    if (remote) rememberOrphans(target.id, context.staged);
    throw context.failure(error, root, 'upload to');
  } finally {
    await cleanup();
  }
  return {
    target: target.id,
    files: context.files,
    skipped: context.skipped,
    bytes: context.bytes,
    durationMs: performance.now() - started,
  };
}

/**
 * Copies a file or directory tree at `remotePath` on a target to a local path (the path the remote root
 * takes here), or a single file into a Writable stream. Same guarantees as `upload`; besides, archive
 * entries that would land outside the destination (`../`, absolute paths, through a symbolic link) fail the
 * transfer with UNSAFE_PATH.
 *
 * @example
 * await download($.docker('app'), '/var/log/app', './logs/app', { mkdirs: true });
 * await download($.ssh('web1'), '/etc/hostname', process.stdout);
 */
export async function download(
  on: TransferTarget,
  remotePath: string,
  destination: string | Writable,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const target = targetOf(on);
  const root = checkRemotePath(remotePath, 'remotePath');
  const context = new TransferContext(target.id, normalizeTransferOptions(options));
  if (typeof destination !== 'string' && typeof (destination as Writable | undefined)?.write !== 'function')
    throw new TypeError('Expected `destination` to be a local path or a Writable stream');
  const started = performance.now();
  const local = typeof destination === 'string' ? resolve(destination) : undefined;
  if (local !== undefined) await prepareParent(localFileSystem, local, context);
  try {
    await run(target, context, false, async (endpoint) => {
      const entries =
        endpoint.kind === 'file-system'
          ? walkFileSystem(endpoint.fs, root, context)
          : readFromArchiveHost(endpoint.host, root, context);
      if (local !== undefined) return writeToFileSystem(localFileSystem, local, entries, context);
      return writeToStream(entries, destination as Writable, context);
    });
  } catch (error) {
    throw context.failure(error, root, 'download from');
  }
  return {
    target: target.id,
    files: context.files,
    skipped: context.skipped,
    bytes: context.bytes,
    durationMs: performance.now() - started,
  };
}

async function writeToStream(
  entries: EntrySource,
  destination: Writable,
  context: TransferContext,
): Promise<void> {
  for await (const entry of entries) {
    if (entry.type !== 'file' || entry.path !== '')
      throw context.error(
        'TRANSFER_FAILED',
        'Only a single file can be downloaded into a stream',
        entry.path,
      );
    const body = context.meter(entry, entry.open());
    await pipeline(body.stream, destination, { signal: context.signal, end: true });
    const source = await entry.sourceSha256?.();
    if (source !== undefined && source !== body.digest())
      throw context.error('CHECKSUM_MISMATCH', 'The file changed while being sent', entry.path);
    return;
  }
}
