import { parseDuration, type Duration } from '../internal/duration.js';
import { validateFunction, validateNumber, validateOptions, validateSignal } from '../internal/validate.js';

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

const KEYS = ['preserve', 'mkdirs', 'checksum', 'sync', 'mode', 'signal', 'timeout', 'onProgress'];

function flag(options: TransferOptions, key: 'preserve' | 'mkdirs' | 'checksum' | 'sync'): boolean {
  const value = options[key];
  if (value !== undefined && typeof value !== 'boolean')
    throw new TypeError(`Expected \`${key}\` to be a boolean, got \`${String(value)}\` (${typeof value})`);
  return value ?? false;
}

/**
 * Checks transfer options once and fills in the defaults.
 *
 * @example
 * normalizeTransferOptions({ timeout: '1m', checksum: true }).timeoutMs; // 60000
 */
export function normalizeTransferOptions(options: TransferOptions = {}): NormalizedTransferOptions {
  validateOptions<TransferOptions>(options, 'a transfer', KEYS);
  const mode = validateNumber(options.mode ?? 0o644, 'mode', 0, 0o7777);
  if (!Number.isInteger(mode))
    throw new TypeError(`Expected \`mode\` to be an integer, got \`${mode}\` (number)`);
  if (options.onProgress !== undefined) validateFunction(options.onProgress, 'onProgress');
  const sync = flag(options, 'sync');
  return {
    preserve: flag(options, 'preserve') || sync,
    mkdirs: flag(options, 'mkdirs'),
    checksum: flag(options, 'checksum'),
    sync,
    mode,
    signal: validateSignal(options.signal),
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, 'timeout'),
    onProgress: options.onProgress,
  };
}
