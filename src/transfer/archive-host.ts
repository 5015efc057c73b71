import { PassThrough, type Readable } from 'node:stream';
import { quote } from '../internal/quote.js';
import type { Target } from '../targets/target.js';

/** A target whose files move as tar archives (a container, a pod), with helper commands run by its `sh`. */
export interface ArchiveHost {
  readonly target: Target;
  /**
   * Extracts `archive` into the existing directory `directory`, with the permission bits it holds. The
   * archive's entries all lie under `staging`, a name in `directory`: a host that runs the extract itself
   * removes it there when the extract fails, which works even when the connection to it was cut.
   */
  putArchive(directory: string, staging: string, archive: Readable, signal: AbortSignal): Promise<void>;
  /** A tar stream of `path`, its entries named from the path's last component. */
  getArchive(path: string, signal: AbortSignal): Promise<Readable>;
}

function parentAndName(path: string): { parent: string; name: string } {
  const index = path.lastIndexOf('/');
  return { parent: path.slice(0, index) || '/', name: path.slice(index + 1) };
}

/**
 * Tar over the target's own command channel: `tar -x` reading stdin, `tar -c` writing stdout. Works on any
 * target whose shell has `tar` (busybox's does).
 *
 * @example
 * const host = createExecArchiveHost(createKubernetesTarget('shop/web'));
 */
export function createExecArchiveHost(target: Target): ArchiveHost {
  return {
    target,
    async putArchive(directory, staging, archive, signal) {
      const stderr: Buffer[] = [];
      const running = target.spawn({
        // umask 0: the modes in the archive are the ones wanted, for any login. An input that ends early
        // (the connection was cut) fails the extract, and the target removes the partial copy at once.
        command: `umask 0 && tar -x -f - -C ${quote(directory)} || { s=$?; rm -rf -- ${quote(`${directory}/${staging}`)}; exit $s; }`,
        cwd: undefined,
        env: {},
        stdin: archive,
        onStdout: () => {},
        onStderr: (chunk) => stderr.push(chunk),
      });
      const onAbort = (): void => running.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const { exitCode } = await running.exited;
        if (exitCode !== 0)
          throw new Error(Buffer.concat(stderr).toString().trim() || `tar exited with ${exitCode}`);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    async getArchive(path, signal) {
      const { parent, name } = parentAndName(path);
      const output = new PassThrough({ highWaterMark: 1024 * 1024 });
      const stderr: Buffer[] = [];
      const running = target.spawn({
        command: `tar -c -f - -C ${quote(parent)} ${quote(name)}`,
        cwd: undefined,
        env: {},
        stdin: undefined,
        // Backpressure: a full buffer pauses the command's output until the reader drains it.
        onStdout: (chunk) => {
          if (!output.destroyed && !output.write(chunk)) running.pauseOutput?.();
        },
        onStderr: (chunk) => stderr.push(chunk),
      });
      output.on('drain', () => running.resumeOutput?.());
      // A reader that stops early must not leave the output paused: the command's end is read from it.
      output.once('close', () => running.resumeOutput?.());
      const onAbort = (): void => running.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      running.exited.then(
        ({ exitCode }) => {
          signal.removeEventListener('abort', onAbort);
          if (exitCode === 0) output.end();
          else
            output.destroy(
              new Error(Buffer.concat(stderr).toString().trim() || `tar exited with ${exitCode}`),
            );
        },
        (error: unknown) => output.destroy(error as Error),
      );
      return output;
    },
  };
}
