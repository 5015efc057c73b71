import { posix } from 'node:path';
import type { TransferContext } from './context.js';
import type { EntrySource, TransferEntry } from './entry.js';
import type { TransferFileSystem } from './file-system.js';
import { isSafeEntryPath, joinEntry, tempPathFor } from './paths.js';

/** Same size and the same modification time to the second (what tar and SFTP keep). */
export function isUpToDate(
  existing: { size: number; mtimeMs: number } | undefined,
  entry: TransferEntry,
): boolean {
  return (
    existing !== undefined &&
    existing.size === entry.size &&
    Math.floor(existing.mtimeMs / 1000) === Math.floor(entry.mtimeMs / 1000)
  );
}

/** Checks that the parent directory of the destination root exists, creating it with `mkdirs`. */
export async function prepareParent(
  fs: TransferFileSystem,
  root: string,
  context: TransferContext,
): Promise<void> {
  const parent = posix.dirname(root);
  try {
    if (context.options.mkdirs) return await fs.mkdir(parent, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw context.failure(error, parent, 'create directory');
  }
  const stat = await fs.lstat(parent).catch((error: unknown) => {
    throw context.failure(error, parent, 'inspect');
  });
  if (stat === undefined)
    throw context.error(
      'TRANSFER_FAILED',
      `Directory ${parent} does not exist (pass mkdirs to create it)`,
      parent,
    );
}

/**
 * Writes entries below `root` on a file system: directories made (or kept) with the entry's mode, each file
 * and link written under a temporary name in its own directory and renamed over the final name once
 * complete (and verified with `checksum`). An entry whose path leaves `root`, or that would be written
 * through a symbolic link, fails the transfer before anything is written for it.
 *
 * @example
 * await writeToFileSystem(localFileSystem, '/srv/app', walkFileSystem(sftp, '/build', context), context);
 */
export async function writeToFileSystem(
  fs: TransferFileSystem,
  root: string,
  entries: EntrySource,
  context: TransferContext,
): Promise<void> {
  const directories = new Set<string>([root]);
  const directoryTimes: Array<{ path: string; mtimeMs: number }> = [];
  for await (const entry of entries) {
    if (context.signal.aborted) throw context.cancellation();
    if (!isSafeEntryPath(entry.path))
      throw context.error(
        'UNSAFE_PATH',
        `Refused entry ${JSON.stringify(entry.path)}: it leaves the destination`,
        entry.path,
      );
    const path = joinEntry(root, entry.path);
    await checkParents(fs, root, entry.path, directories, context);
    try {
      if (entry.type === 'directory') {
        await writeDirectory(fs, path, entry);
        directories.add(path);
        if (context.options.preserve) directoryTimes.push({ path, mtimeMs: entry.mtimeMs });
      } else {
        await writeAtomically(fs, path, entry, context);
      }
    } catch (error) {
      throw context.failure(error, path, 'write');
    }
  }
  // Last, deepest first: writing into a directory changes its time.
  for (const { path, mtimeMs } of directoryTimes.reverse()) await fs.utimes(path, mtimeMs);
}

async function checkParents(
  fs: TransferFileSystem,
  root: string,
  path: string,
  directories: Set<string>,
  context: TransferContext,
): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = posix.join(current, part);
    if (directories.has(current)) continue;
    const stat = await fs.lstat(current);
    if (stat?.type === 'symlink')
      throw context.error(
        'UNSAFE_PATH',
        `Refused entry ${JSON.stringify(path)}: ${current} is a symbolic link`,
        path,
      );
    if (stat === undefined) await fs.mkdir(current, { recursive: false, mode: 0o755 });
    else if (stat.type !== 'directory')
      throw context.error('TRANSFER_FAILED', `Cannot write ${path}: ${current} is not a directory`, path);
    directories.add(current);
  }
}

async function writeDirectory(fs: TransferFileSystem, path: string, entry: TransferEntry): Promise<void> {
  const existing = await fs.lstat(path);
  if (existing === undefined) await fs.mkdir(path, { recursive: false, mode: entry.mode });
  else if (existing.type !== 'directory') throw new Error('a file of that name is in the way');
  await fs.chmod(path, entry.mode);
}

async function writeAtomically(
  fs: TransferFileSystem,
  path: string,
  entry: TransferEntry,
  context: TransferContext,
): Promise<void> {
  const existing = await fs.lstat(path);
  if (existing?.type === 'directory') throw new Error('a directory of that name is in the way');
  if (
    context.options.sync &&
    entry.type === 'file' &&
    existing?.type === 'file' &&
    isUpToDate(existing, entry)
  )
    return context.skip(entry);
  const temp = tempPathFor(path, context.nonce);
  try {
    if (entry.type === 'symlink') {
      await fs.symlink(entry.linkTarget, temp);
    } else {
      const body = context.meter(entry, entry.open());
      await fs.writeFile(temp, body.stream, entry.mode, context.signal);
      if (context.options.checksum) await verify(fs, temp, entry, body.digest(), context);
      await fs.chmod(temp, entry.mode);
      if (context.options.preserve) await fs.utimes(temp, entry.mtimeMs);
    }
    await fs.rename(temp, path);
    if (entry.type === 'symlink') context.linked(entry);
  } catch (error) {
    await fs.remove(temp);
    throw error;
  }
}

/** Compares what was sent with what was stored and with what the source holds now. */
async function verify(
  fs: TransferFileSystem,
  temp: string,
  entry: TransferEntry,
  sent: string,
  context: TransferContext,
): Promise<void> {
  const [stored, source] = await Promise.all([fs.sha256(temp), entry.sourceSha256?.()]);
  if (source !== undefined && source !== sent)
    throw context.error(
      'CHECKSUM_MISMATCH',
      `${entry.path || 'The source'} changed while being sent`,
      entry.path,
    );
  if (stored !== sent)
    throw context.error(
      'CHECKSUM_MISMATCH',
      `${entry.path || 'The file'} arrived corrupt (sha256 differs)`,
      entry.path,
    );
}
