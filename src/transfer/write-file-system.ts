import { posix } from 'node:path';
import type { TransferContext } from './context.js';
import type { EntrySource, TransferEntry } from './entry.js';
import type { TransferFileSystem } from './file-system.js';
import { joinEntry, tempPathFor } from './paths.js';

/**
 * Files whose last steps (verify, chmod, utimes, rename) may be in flight while the next files are written:
 * each is one or two round trips over SFTP, independent of the others.
 */
const FINISHING = 64;

/** The last steps of written files, run in the background up to FINISHING at once; the first failure wins. */
class Finishing {
  readonly #pending = new Set<Promise<void>>();
  #failure: { error: unknown } | undefined;

  /** Adds one; waits while FINISHING are in flight; throws the first failure seen so far. */
  async add(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work
      .catch((error: unknown) => void (this.#failure ??= { error }))
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    while (this.#pending.size >= FINISHING && !this.#failure) await Promise.race(this.#pending);
    if (this.#failure) throw this.#failure.error;
  }

  /** Waits for every one; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#failure) throw this.#failure.error;
  }
}

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
  const finishing = new Finishing();
  try {
    await writeEntries();
    await finishing.drain();
  } catch (error) {
    // What is still in flight removes its own temporary file on failure: let it.
    await finishing.drain().catch(() => {});
    throw error;
  }
  // Last, all at once: writing into a directory changes its time, setting a time changes no other's.
  await Promise.all(directoryTimes.map(({ path, mtimeMs }) => fs.utimes(path, mtimeMs)));

  async function writeEntries(): Promise<void> {
    for await (const entry of entries) {
      if (context.signal.aborted) throw context.cancellation();
      context.checkEntryPath(entry.path);
      const path = joinEntry(root, entry.path);
      await checkParents(fs, root, entry.path, directories, context);
      try {
        if (entry.type === 'directory') {
          await writeDirectory(fs, path, entry);
          directories.add(path);
          if (context.options.preserve) directoryTimes.push({ path, mtimeMs: entry.mtimeMs });
        } else {
          const written = await writeAtomically(fs, path, entry, context);
          if (written)
            await finishing.add(
              written.finish.catch((error: unknown) => {
                throw context.failure(error, path, 'write');
              }),
            );
        }
      } catch (error) {
        throw context.failure(error, path, 'write');
      }
    }
  }
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

/**
 * Writes a file's bytes (or a link) under its temporary name and resolves with its last steps, still
 * running (wrapped, so that awaiting the write does not wait for them): verify, chmod, utimes, rename over
 * the final name. Undefined when `sync` skipped the file.
 */
async function writeAtomically(
  fs: TransferFileSystem,
  path: string,
  entry: TransferEntry,
  context: TransferContext,
): Promise<{ finish: Promise<void> } | undefined> {
  const existing = await fs.lstat(path);
  if (existing?.type === 'directory') throw new Error('a directory of that name is in the way');
  if (
    context.options.sync &&
    entry.type === 'file' &&
    existing?.type === 'file' &&
    isUpToDate(existing, entry)
  )
    return void context.skip(entry);
  const temp = tempPathFor(path, context.nonce);
  // Kept until renamed: a removal that the connection did not let through leaves it for a later sweep.
  context.staged.add(temp);
  const placed = (): void => void context.staged.delete(temp);
  const removeTemp = async (error: unknown): Promise<never> => {
    await fs.remove(temp);
    throw error;
  };
  if (entry.type === 'symlink') {
    await fs.symlink(entry.linkTarget, temp).catch(removeTemp);
    return {
      finish: fs.rename(temp, path).then(() => {
        placed();
        context.linked(entry);
      }, removeTemp),
    };
  }
  const body = context.meter(entry, entry.open());
  await fs.writeFile(temp, body.stream, entry.mode, context.signal).catch(removeTemp);
  const finish = async (): Promise<void> => {
    if (context.options.checksum) await verify(fs, temp, entry, body.digest(), context);
    await Promise.all([
      fs.chmod(temp, entry.mode),
      context.options.preserve ? fs.utimes(temp, entry.mtimeMs) : undefined,
    ]);
    await fs.rename(temp, path);
    placed();
  };
  return { finish: finish().catch(removeTemp) };
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
