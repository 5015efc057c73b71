import { ConnectionError, SpawnError } from '../../errors.js';
import { toExitStatus } from '../exit-status.js';
import type { ExitStatus } from '../target.js';
import type { ExecEnd } from './exec-session.js';

/** What the command learned while it ran, needed to read how its exec ended. */
export interface ExecFacts {
  readonly target: string;
  readonly command: string;
  readonly cwd: string | undefined;
  /** Whether the wrapper reported the command started. */
  readonly started: boolean;
  /** Whether the wrapper reported the working directory missing. */
  readonly noDirectory: boolean;
  /** Signals sent to the command's group. */
  readonly sentSignals: ReadonlySet<NodeJS.Signals>;
}

/**
 * Turns the end of an exec into an exit status, or the typed error when the outcome is unknown: no
 * status (NO_EXIT_STATUS), a server-side failure before the command started (SPAWN_FAILED) or after
 * (CONNECTION_LOST). A runtime reports a signalled process as exit 128 + n; when n is a signal fanout
 * sent, the status says that signal.
 *
 * @example
 * interpretExecEnd({ kind: 'status', outcome: { kind: 'exited', exitCode: 143 }, text }, { …, sentSignals: new Set(['SIGTERM']) })
 * // { exitCode: null, signal: 'SIGTERM' }
 */
export function interpretExecEnd(end: ExecEnd, facts: ExecFacts): ExitStatus {
  const where = { target: facts.target, command: facts.command };
  if (end.kind === 'closed') {
    const how = `${end.code}${end.reason ? ` ${end.reason}` : ''}`;
    throw new ConnectionError(
      `Connection to ${where.target} closed (${how}) without an exit status; the outcome of \`${where.command}\` is unknown`,
      { code: 'NO_EXIT_STATUS', ...where },
    );
  }
  const outcome = end.outcome;
  if (outcome === undefined)
    throw new ConnectionError(
      `${where.target} sent an unreadable exit status for \`${where.command}\`: ${end.text.slice(0, 200)}`,
      { code: 'NO_EXIT_STATUS', ...where },
    );
  if (outcome.kind === 'failed') {
    const detail = `${outcome.reason || 'Failure'}: ${outcome.message}`;
    if (!facts.started)
      throw new SpawnError(`Cannot start \`${where.command}\` in ${where.target}: ${detail}`, {
        code: 'SPAWN_FAILED',
        ...where,
      });
    throw new ConnectionError(`${where.target} lost \`${where.command}\` while it ran: ${detail}`, {
      code: 'CONNECTION_LOST',
      ...where,
    });
  }
  if (facts.noDirectory)
    throw new SpawnError(`Cannot change to \`${facts.cwd}\` in ${where.target}: ${where.command}`, {
      code: 'SPAWN_FAILED',
      ...where,
    });
  return toExitStatus(outcome.exitCode, facts.sentSignals);
}
