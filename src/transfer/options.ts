import { parseDuration, type Duration } from '../shell/duration.js';

/** Bytes and files moved so far by one transfer. */
export interface TransferProgress {
  /** Bytes of file content sent so far (skipped files count as done). */
  readonly bytes: number;
  /** All the bytes to move, when known before the start (not for a stream source). */
  readonly totalBytes: number | undefined;
  readonly files: number;
  readonly totalFiles: number | undefined;
  /** The file being moved, relative to the transfer's root. */
  readonly path: string;
}

/** How `upload` and `download` behave. */
export interface TransferOptions {
  /** Keep modification times too (permission bits are always kept). Default false. */
  readonly preserve?: boolean;
  /** Create the destination's missing parent directories. Default false: a missing parent is an error. */
  readonly mkdirs?: boolean;
  /** Verify each file's sha256 from source to destination before it takes its final name. Default false. */
  readonly checksum?: boolean;
  /** Skip files whose size and modification time (to the second) already match; implies `preserve`. Default false. */
  readonly sync?: boolean;
  /** Permission bits of a file made from a Buffer or a stream. Default 0o644. */
  readonly mode?: number;
  /** Cancels the transfer; temporary files are removed. */
  readonly signal?: AbortSignal;
  /** Gives up after this long (`'30s'`, or milliseconds); temporary files are removed. Default none. */
  readonly timeout?: Duration;
  /** Called as bytes move (at most once per chunk). */
  readonly onProgress?: (progress: TransferProgress) => void;
}

/** Options after their one check: every field present, durations in milliseconds. */
export interface NormalizedTransferOptions {
  readonly preserve: boolean;
  readonly mkdirs: boolean;
  readonly checksum: boolean;
  readonly sync: boolean;
  readonly mode: number;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  readonly onProgress: ((progress: TransferProgress) => void) | undefined;
}

const KEYS = new Set(['preserve', 'mkdirs', 'checksum', 'sync', 'mode', 'signal', 'timeout', 'onProgress']);

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

function flag(options: TransferOptions, key: 'preserve' | 'mkdirs' | 'checksum' | 'sync'): boolean {
  const value = options[key];
  if (value !== undefined && typeof value !== 'boolean')
    throw new TypeError(`Expected \`${key}\` to be a boolean, got ${describe(value)}`);
  return value ?? false;
}

/**
 * Checks transfer options once and fills in the defaults.
 *
 * @example
 * normalizeTransferOptions({ timeout: '1m', checksum: true }).timeoutMs; // 60000
 */
export function normalizeTransferOptions(options: TransferOptions = {}): NormalizedTransferOptions {
  for (const key of Object.keys(options))
    if (!KEYS.has(key)) throw new TypeError(`Unknown transfer option \`${key}\``);
  const mode = options.mode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
    throw new TypeError(`Expected \`mode\` to be an integer from 0 to 0o7777, got ${describe(mode)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError(`Expected \`onProgress\` to be a function, got ${describe(options.onProgress)}`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describe(options.signal)}`);
  const sync = flag(options, 'sync');
  return {
    preserve: flag(options, 'preserve') || sync,
    mkdirs: flag(options, 'mkdirs'),
    checksum: flag(options, 'checksum'),
    sync,
    mode,
    signal: options.signal,
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, 'timeout'),
    onProgress: options.onProgress,
  };
}
