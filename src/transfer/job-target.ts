import { FanoutError } from '../errors.js';
import { isUnreachable } from '../fleet/execute.js';
import type { ExitStatus, RunningCommand, SpawnRequest, Target } from '../targets/target.js';

/** What a transfer job does on its target: `say` writes a line to the job's stdout. */
export type TransferAction = (
  target: Target,
  signal: AbortSignal,
  say: (line: string) => void,
) => Promise<void>;

/**
 * A target whose "command" is a file transfer, so that the fleet engine runs transfers as jobs with its
 * limits, retries, halt policies, joblog and output. The job succeeds when the transfer does; a failure is
 * exit status 1 with the reason on stderr; an unreachable target stays unreachable (so a retry may go
 * elsewhere); a kill (timeout, halt, Ctrl-C) aborts the transfer, which removes its temporary files.
 *
 * @example
 * const member = { name, target: createTransferJobTarget(target, (t, signal) => upload(t, './dist', '/srv/app', { signal }).then(() => {})) };
 */
export function createTransferJobTarget(inner: Target, action: TransferAction): Target {
  return {
    id: inner.id,
    spawn(request: SpawnRequest): RunningCommand {
      const controller = new AbortController();
      let killedBy: NodeJS.Signals | null = null;
      const say = (line: string): void => request.onStdout(Buffer.from(`${line}\n`));
      const exited = Promise.resolve()
        .then(() => action(inner, controller.signal, say))
        .then(
          (): ExitStatus => ({ exitCode: 0, signal: null }),
          (error: unknown): ExitStatus => {
            if (killedBy) return { exitCode: null, signal: killedBy };
            if (isUnreachable(error)) throw error;
            const message =
              error instanceof FanoutError || error instanceof Error ? error.message : String(error);
            request.onStderr(Buffer.from(`${message}\n`));
            return { exitCode: 1, signal: null };
          },
        );
      return {
        exited,
        kill(signal) {
          killedBy ??= signal;
          controller.abort(new Error(`Killed by ${signal}`));
        },
      };
    },
    dispose: () => inner.dispose(),
    releaseIdle: () => inner.releaseIdle?.(),
  };
}
