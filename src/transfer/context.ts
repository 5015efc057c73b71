import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { FanoutError, type ErrorCode } from '../errors.js';
import type { TransferEntry } from './entry.js';
import type { NormalizedTransferOptions } from './options.js';
import { createNonce, isSafeEntryPath } from './paths.js';
import { TransferError } from './transfer-error.js';

/** What was sent of one file: with `checksum`, its sha256. */
export interface SentDigest {
  /** The sha256 of every byte that went through ('' without `checksum`); call once they all went. */
  digest(): string;
}

/** A file's bytes on their way, counted and (with `checksum`) hashed as they pass. */
export interface MeteredBody extends SentDigest {
  readonly stream: Readable;
}

/**
 * The state of one transfer: its options, its cancellation signal (abort and timeout together), the nonce
 * of its temporary names, and its byte and file counts for progress and the result.
 */
export class TransferContext {
  readonly options: NormalizedTransferOptions;
  readonly target: string;
  readonly signal: AbortSignal;
  readonly nonce = createNonce();
  /** Temporary paths written on the target and not yet in place or removed: what a failed upload may leave. */
  readonly staged = new Set<string>();
  readonly totalBytes: number | undefined;
  bytes = 0;
  files = 0;
  skipped = 0;

  constructor(target: string, options: NormalizedTransferOptions, totalBytes?: number) {
    this.target = target;
    this.options = options;
    this.totalBytes = totalBytes;
    const signals = [
      options.signal,
      options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
    ];
    this.signal = AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
  }

  error(code: ErrorCode, message: string, path?: string, cause?: unknown): TransferError {
    return new TransferError(`${message} (${this.target})`, { code, target: this.target, path, cause });
  }

  /** Throws UNSAFE_PATH for an entry path that would land outside the destination (`../`, absolute, NUL). */
  checkEntryPath(path: string): void {
    if (!isSafeEntryPath(path))
      throw this.error(
        'UNSAFE_PATH',
        `Refused entry ${JSON.stringify(path)}: it leaves the destination`,
        path,
      );
  }

  /** The error to throw for `cause`: the cancellation when the signal fired, else a TRANSFER_FAILED naming `path`. */
  failure(cause: unknown, path: string, doing: string): FanoutError {
    if (this.signal.aborted) return this.cancellation(cause);
    if (cause instanceof FanoutError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return this.error('TRANSFER_FAILED', `Cannot ${doing} ${path}: ${reason}`, path, cause);
  }

  cancellation(cause?: unknown): TransferError {
    const timedOut = this.options.signal?.aborted !== true;
    return timedOut
      ? this.error('TIMEOUT', `Transfer timed out after ${this.options.timeoutMs} ms`, undefined, cause)
      : this.error('ABORTED', 'Transfer was aborted', undefined, cause);
  }

  /** Counts a file that needed no bytes (`sync` found it up to date). */
  skip(entry: TransferEntry): void {
    this.skipped++;
    this.files++;
    this.bytes += entry.size;
    this.#report(entry.path);
  }

  /** Counts a symbolic link written. */
  linked(entry: TransferEntry): void {
    this.files++;
    this.#report(entry.path);
  }

  /** Wraps a file's bytes so they are counted, reported and, with `checksum`, hashed. */
  meter(entry: TransferEntry, body: Readable): MeteredBody {
    const hash: Hash | undefined = this.options.checksum ? createHash('sha256') : undefined;
    const stream = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        hash?.update(chunk);
        this.bytes += chunk.length;
        this.#report(entry.path);
        callback(null, chunk);
      },
      flush: (callback) => {
        this.files++;
        this.#report(entry.path);
        callback();
      },
    });
    body.on('error', (error) => stream.destroy(error));
    body.pipe(stream);
    let digest: string | undefined;
    return { stream, digest: () => (digest ??= hash?.digest('hex') ?? '') };
  }

  /** Counts, reports and (with `checksum`) hashes a small file read in one piece. */
  meterWhole(entry: TransferEntry, data: Buffer): SentDigest {
    this.bytes += data.length;
    this.files++;
    this.#report(entry.path);
    const digest = this.options.checksum ? createHash('sha256').update(data).digest('hex') : '';
    return { digest: () => digest };
  }

  #report(path: string): void {
    this.options.onProgress?.({
      bytes: this.bytes,
      totalBytes: this.totalBytes,
      files: this.files,
      totalFiles: undefined,
      path,
    });
  }
}
