import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileStat, TransferFileSystem } from '../transfer/file-system.js';

function typeOf(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): FileStat['type'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  return stats.isSymbolicLink() ? 'symlink' : 'other';
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * This machine's file system, for transfers to and from the local target and for the controller's side of
 * every other transfer.
 *
 * @example
 * await writeToFileSystem(localFileSystem, '/tmp/out', entries, context);
 */
export const localFileSystem: TransferFileSystem = {
  async lstat(path) {
    try {
      const stats = await lstat(path);
      return { type: typeOf(stats), mode: stats.mode & 0o7777, size: stats.size, mtimeMs: stats.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  readdir: (path) => readdir(path),
  readlink: (path) => readlink(path),
  createReadStream: (path, signal) => createReadStream(path, { signal, highWaterMark: 256 * 1024 }),
  readFile: (path) => readFile(path),
  async writeFile(path: string, body: Readable, mode: number, signal: AbortSignal) {
    await pipeline(body, createWriteStream(path, { flags: 'wx', mode }), { signal });
  },
  async mkdir(path, { recursive, mode }) {
    try {
      await mkdir(path, { recursive, mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  },
  symlink: (linkTarget, path) => symlink(linkTarget, path),
  rename: (from, to) => rename(from, to),
  chmod: (path, mode) => chmod(path, mode),
  utimes: (path, mtimeMs) => utimes(path, mtimeMs / 1000, mtimeMs / 1000),
  remove: (path) => rm(path, { force: true }).catch(() => {}),
  sha256: hashFile,
};
