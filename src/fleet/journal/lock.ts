import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { FanoutError } from '../../errors.js';

/** A held lock file; `release()` removes it. */
export interface FileLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<path>.lock` (created exclusively, holding our pid) so that one writer at a time appends to `path`.
 * A lock left by a process that no longer runs is taken over; one held by a live process is an error naming
 * it.
 *
 * @example
 * const lock = lockFile('run.log', 'joblog'); try { … } finally { lock.release(); }
 */
export function lockFile(path: string, what: string): FileLock {
  const lockPath = `${path}.lock`;
  for (let tries = 0; ; tries += 1) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new FanoutError(`Cannot lock ${what} ${path}: ${(error as Error).message}`, {
          code: 'CONFIG_INVALID',
          cause: error,
        });
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      } catch {
        // Removed meanwhile: try again.
      }
      if (Number.isInteger(holder) && isAlive(holder)) {
        throw new FanoutError(
          `${what} ${path} is in use by another fanout run (pid ${holder}); wait for it to end or choose another file`,
          { code: 'CONFIG_INVALID' },
        );
      }
      if (tries >= 2) {
        throw new FanoutError(`Cannot lock ${what} ${path}: ${lockPath} keeps coming back`, {
          code: 'CONFIG_INVALID',
        });
      }
      // Left by a run that died: take it over.
      try {
        unlinkSync(lockPath);
      } catch {
        // Another run took it over first; the next try tells.
      }
    }
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone.
      }
    },
  };
}
