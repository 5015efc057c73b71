import type { Readable } from 'node:stream';

/** What lstat says about a path. */
export interface FileStat {
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The file operations a transfer needs, on the local disk or over SFTP. Paths are absolute POSIX paths
 * on that side. Nothing here follows a symbolic link except `mkdir` of a path's parents.
 */
export interface TransferFileSystem {
  /** Undefined when nothing is there. */
  lstat(path: string): Promise<FileStat | undefined>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  createReadStream(path: string, signal: AbortSignal): Readable;
  /** A whole file in one read, where that is cheaper than a stream (the local disk). */
  readFile?(path: string): Promise<Buffer>;
  /** Writes `body` to a new file at `path` (failing if one exists) and resolves once it is closed. */
  writeFile(path: string, body: Readable, mode: number, signal: AbortSignal): Promise<void>;
  /** Creates a directory; with `recursive`, its missing parents too. An existing directory is fine. */
  mkdir(path: string, options: { recursive: boolean; mode: number }): Promise<void>;
  symlink(linkTarget: string, path: string): Promise<void>;
  /** Replaces `to` (a file or link) in one step. */
  rename(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  utimes(path: string, mtimeMs: number): Promise<void>;
  /** Removes a file or link; a missing one is fine. Best effort. */
  remove(path: string): Promise<void>;
  /** The sha256 (hex) of a file's bytes, computed where the file lives. */
  sha256(path: string): Promise<string>;
}
