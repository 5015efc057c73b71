import { FanoutError } from '../errors.js';
import type { FleetCounts } from '../fleet/report.js';
import { redactSecrets } from '../internal/secrets.js';

/** Exit statuses of the CLI, documented in `--help` and the README. */
export const EXIT = {
  ok: 0,
  /** More than 100 jobs failed (1-100: that many failed). */
  manyFailed: 101,
  interrupted: 130,
  /** Standard output was closed (`fanout … | head -1`): no more jobs were started, running ones were killed. */
  stdoutClosed: 141,
  /** Usage or inventory error: nothing ran. */
  usage: 255,
} as const;

/**
 * GNU parallel's convention: the number of failed jobs, 101 for more than 100; 130 when interrupted.
 *
 * @example
 * exitCodeForRun({ ...counts, failed: 3 }, false) // 3
 */
export function exitCodeForRun(counts: FleetCounts, interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  // Jobs that failed on their own; those a halt canceled or skipped are reported, not counted.
  const failures = counts.failed + counts.timeout + counts.unreachable;
  return failures > 100 ? EXIT.manyFailed : failures;
}

/**
 * The one place an error becomes an exit status and a message on stderr: usage and inventory errors, and
 * files that cannot be opened, give 255 (nothing ran); anything else is a bug or an environment failure,
 * also 255, with its stack.
 *
 * @example
 * process.exitCode = exitCodeForError(error, process.stderr);
 */
export function exitCodeForError(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof FanoutError && (error.code === 'USAGE' || error.code === 'INVENTORY_INVALID')) {
    const hint = error.code === 'USAGE' ? "\nRun 'fanout --help' for usage." : '';
    stderr.write(`fanout: ${error.message}${hint}\n`);
    return EXIT.usage;
  }
  if (error instanceof FanoutError) {
    stderr.write(`fanout: ${error.message}\n`);
    return EXIT.usage;
  }
  // A file named on the command line that cannot be opened (--joblog in a missing folder, a directory …).
  const system = error as NodeJS.ErrnoException;
  if (system instanceof Error && typeof system.path === 'string' && typeof system.code === 'string') {
    stderr.write(`fanout: ${system.path}: ${system.message}\n`);
    return EXIT.usage;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`fanout: internal error: ${redactSecrets(text)}\n`);
  return EXIT.usage;
}
