import { existsSync } from 'node:fs';
import { LocalTarget } from '../targets/local.js';
import type { Target } from '../targets/target.js';
import { quote } from '../internal/quote.js';

const SETPRIV = '/usr/bin/setpriv';
let setprivPresent: boolean | undefined;

/**
 * The script that runs a local job: it asks the kernel for SIGHUP when this Node process dies (even by
 * SIGKILL) and then kills the job's whole process group, so no job outlives the run that started it and a
 * resumed run never does a job twice.
 */
// A background list gets /dev/null as stdin unless redirected: fd 3 carries the job's own stdin to it.
const GUARD = `trap 'kill -KILL 0' HUP; exec 3<&0; eval "$1" <&3 3<&- & wait $!`;

/**
 * Wraps a command that runs on a local target so that it dies with this process; other targets, and
 * machines without util-linux's `setpriv`, get the command as it is.
 *
 * @example
 * guardCommand(localTarget, 'make test') // "exec /usr/bin/setpriv --pdeathsig HUP /bin/sh -c '…' sh 'make test'"
 */
export function guardCommand(target: Target, command: string): string {
  if (!(target instanceof LocalTarget)) return command;
  setprivPresent ??= existsSync(SETPRIV);
  if (!setprivPresent) return command;
  return `exec ${SETPRIV} --pdeathsig HUP /bin/sh -c ${quote(GUARD)} sh ${quote(command)}`;
}
