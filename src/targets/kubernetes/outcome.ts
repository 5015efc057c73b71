import { ConnectionError } from '../../errors.js';
import type { ExitStatus } from '../target.js';
import type { ExecEnd } from './exec-session.js';

/**
 * Turns the end of an exec into its exit code, or the typed error when the outcome is unknown: no status
 * or an unreadable one (NO_EXIT_STATUS), or a server-side failure (CONNECTION_LOST).
 *
 * @example
 * interpretExecEnd({ kind: 'status', outcome: { kind: 'exited', exitCode: 3 }, text }, where) // { exitCode: 3, signal: null }
 */
export function interpretExecEnd(
  end: ExecEnd,
  where: { readonly target: string; readonly command: string },
): ExitStatus {
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
    throw new ConnectionError(`${where.target} lost \`${where.command}\`: ${detail}`, {
      code: 'CONNECTION_LOST',
      ...where,
    });
  }
  return { exitCode: outcome.exitCode, signal: null };
}
