import { constants } from 'node:os';
import type { ExitStatus } from '../target.js';

/**
 * Reads an exit code from a target that reports only codes (a container runtime) as the local target would
 * report it: a shell killed by a signal fanout sent exits with 128 + the signal's number, which is reported as
 * that signal.
 *
 * @example
 * toExitStatus(143, new Set(['SIGTERM'])); // { exitCode: null, signal: 'SIGTERM' }
 */
export function toExitStatus(exitCode: number, signalsSent: ReadonlySet<NodeJS.Signals>): ExitStatus {
  for (const signal of signalsSent) {
    if (exitCode === 128 + constants.signals[signal]) return { exitCode: null, signal };
  }
  return { exitCode, signal: null };
}
