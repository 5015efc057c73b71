import { setTimeout as sleep } from 'node:timers/promises';

/** What `exec.inspect()` says about how an exec ended. */
export interface ExecState {
  readonly Running: boolean;
  readonly ExitCode: number | null;
}

/** Waits between inspections while the daemon has not yet recorded the exit (≈1.6 s in all). */
const RETRY_DELAYS_MS = [5, 10, 25, 50, 100, 200, 400, 800];

/**
 * Inspects an exec until it has an exit code; undefined when the daemon still reports it running (or
 * without a code) after every retry — the outcome is then unknown, never taken for success.
 *
 * @example
 * const exitCode = await waitForExitCode(() => exec.inspect());
 */
export async function waitForExitCode(
  inspect: () => Promise<ExecState>,
  delaysMs: readonly number[] = RETRY_DELAYS_MS,
): Promise<number | undefined> {
  for (const delay of [0, ...delaysMs]) {
    if (delay > 0) await sleep(delay);
    const state = await inspect();
    if (!state.Running && typeof state.ExitCode === 'number') return state.ExitCode;
  }
  return undefined;
}
