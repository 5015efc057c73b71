import { posix } from 'node:path';
import { limit } from '../parallel/limit.js';
import type { TransferContext } from './context.js';
import type { TransferEntry } from './entry.js';
import type { FileStat, TransferFileSystem } from './file-system.js';
import { joinEntry } from './paths.js';

/** Files up to this size are read in one piece when the file system offers it. */
const SMALL_FILE = 64 * 1024;
/** A directory's entries are looked at this many at once (each is a round trip over SFTP). */
const STATS_IN_FLIGHT = 64;

/**
 * The entries of a file or directory tree, parents first, names sorted. Symbolic links are entries of their
 * own (never followed); sockets, FIFOs and devices fail the transfer. Missing `root`: SOURCE_NOT_FOUND.
 *
 * @example
 * for await (const entry of walkFileSystem(localFileSystem, './dist', context)) console.log(entry.path);
 */
export async function* walkFileSystem(
  fs: TransferFileSystem,
  root: string,
  context: TransferContext,
): AsyncGenerator<TransferEntry> {
  const stat = await fs.lstat(root).catch((error: unknown) => {
    throw context.failure(error, root, 'read');
  });
  if (stat === undefined) throw context.error('SOURCE_NOT_FOUND', `${root} does not exist`, root);
  yield* visit(fs, root, '', stat, context);
}

async function* visit(
  fs: TransferFileSystem,
  root: string,
  relative: string,
  stat: FileStat,
  context: TransferContext,
): AsyncGenerator<TransferEntry> {
  const path = joinEntry(root, relative);
  if (stat.type === 'other')
    throw context.error('TRANSFER_FAILED', `Cannot send ${path}: not a file, directory or link`, path);
  const linkTarget = stat.type === 'symlink' ? await fs.readlink(path) : '';
  yield {
    path: relative,
    type: stat.type,
    mode: stat.mode & 0o7777,
    size: stat.type === 'file' ? stat.size : 0,
    mtimeMs: stat.mtimeMs,
    linkTarget,
    open: () => fs.createReadStream(path, context.signal),
    ...(stat.type === 'file' && stat.size <= SMALL_FILE && fs.readFile
      ? { readAll: () => fs.readFile!(path) }
      : {}),
    ...(stat.type === 'file' && context.options.checksum ? { sourceSha256: () => fs.sha256(path) } : {}),
  };
  if (stat.type !== 'directory') return;
  const names = (await fs.readdir(path)).sort();
  const run = limit(STATS_IN_FLIGHT);
  const stats = await Promise.all(names.map((name) => run(() => fs.lstat(posix.join(path, name)))));
  for (const [index, name] of names.entries()) {
    const childStat = stats[index];
    if (childStat) yield* visit(fs, root, relative === '' ? name : `${relative}/${name}`, childStat, context);
  }
}
