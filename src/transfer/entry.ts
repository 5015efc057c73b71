import type { Readable } from 'node:stream';

/** One file, directory or symbolic link on its way from a source to a destination. */
export interface TransferEntry {
  /** POSIX path relative to the transfer's root; `''` is the root itself. */
  readonly path: string;
  readonly type: 'file' | 'directory' | 'symlink';
  /** Permission bits (`0o755`). */
  readonly mode: number;
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
  readonly mtimeMs: number;
  /** Where a symbolic link points, as stored in the link (never followed). */
  readonly linkTarget: string;
  /** The file's bytes; called at most once, only for files, and read to the end before the next entry. */
  open(): Readable;
  /**
   * The whole content in one read, offered for small files instead of `open` (a stream per file is what
   * costs most in a tree of thousands). Called at most once.
   */
  readAll?: () => Promise<Buffer>;
  /**
   * The sha256 (hex) the source holds for this file, taken after its bytes were sent (a local file is read
   * again) or before (a remote one is hashed where it lives). Compared with what was sent and stored.
   */
  sourceSha256?: () => Promise<string>;
}

/** A transfer's entries in order: a directory always comes before what it holds. */
export type EntrySource = AsyncIterable<TransferEntry>;
