import { Readable } from 'node:stream';
import { quote, registerSecret, type FleetTarget, type SpawnRequest, type Target } from '../index.js';
import type { CliFlags } from './flags.js';
import type { CliIo } from './io.js';
import { usageError } from './usage.js';

/** The variable `--ask-become-pass` reads the password from when stdin is not a terminal. */
export const BECOME_PASS_VARIABLE = 'FANOUT_BECOME_PASS';

/** How `--tty` and `--become` change the way each command runs. */
interface RunAs {
  readonly tty: boolean;
  readonly become: { readonly user: string; readonly password: string | undefined } | undefined;
}

/** The kinds of target that can give a command a terminal. */
const TTY_KINDS = ['ssh', 'docker', 'k8s'];

/** The kind of a target, from its id: `ssh`, `docker`, `k8s`, `local` … */
const kindOf = (target: Target): string => /^([a-z0-9]+):\/\//.exec(target.id)?.[1] ?? target.id;

/**
 * Applies `--tty`, `--become [USER]` and `--ask-become-pass` to the selected members: each command then asks
 * for a terminal, and/or runs through `sudo -u USER` (`-n` without a password; `-S -p ''` with one, which
 * reaches sudo on the command's stdin, ahead of the job's own, and is registered as a secret). SSH targets
 * take both, Docker and Kubernetes targets `--tty`: any other kind is a USAGE error naming the flag and the target.
 *
 * @example
 * const members = await applyRunAs(createTargets(selection), flags, io);
 */
export async function applyRunAs(
  members: readonly FleetTarget[],
  flags: CliFlags,
  io: CliIo,
): Promise<FleetTarget[]> {
  const runAs = await resolveRunAs(flags, io);
  if (!runAs.tty && !runAs.become) return [...members];
  for (const member of members) {
    const kind = kindOf(member.target);
    if (runAs.become && kind !== 'ssh')
      throw usageError(
        '--become',
        `target ${member.name} is a ${kind} target; only SSH targets support --become`,
      );
    if (runAs.tty && !TTY_KINDS.includes(kind))
      throw usageError(
        '--tty',
        `target ${member.name} is a ${kind} target; only SSH, Docker and Kubernetes targets support --tty`,
      );
  }
  const wrapped = new Map<Target, Target>();
  return members.map((member) => {
    let target = wrapped.get(member.target);
    if (!target) wrapped.set(member.target, (target = wrapTarget(member.target, runAs)));
    return { ...member, target };
  });
}

async function resolveRunAs(flags: CliFlags, io: CliIo): Promise<RunAs> {
  const tty = flags.tty === true;
  if (flags.askBecomePass && flags.become === undefined)
    throw usageError('--ask-become-pass', 'goes with --become [USER]');
  if (flags.become === undefined || flags.become === false) return { tty, become: undefined };
  const user = flags.become === true ? 'root' : flags.become;
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(user))
    throw usageError('--become', `expected a user name, got \`${user}\``);
  if (!flags.askBecomePass) return { tty, become: { user, password: undefined } };
  if (tty) throw usageError('--ask-become-pass', 'cannot be combined with --tty');
  const password = await readPassword(io);
  registerSecret(password);
  return { tty, become: { user, password } };
}

/** The password: from FANOUT_BECOME_PASS when set, else typed once on the terminal (not echoed). */
async function readPassword(io: CliIo): Promise<string> {
  const fromEnv = io.env[BECOME_PASS_VARIABLE];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const stdin = io.stdin as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  if (!stdin.isTTY || !stdin.setRawMode)
    throw usageError(
      '--ask-become-pass',
      `stdin is not a terminal to type the password on: set ${BECOME_PASS_VARIABLE} instead`,
    );
  io.stderr.write('BECOME password: ');
  stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            stdin.removeListener('data', onData);
            stdin.pause();
            io.stderr.write('\n');
            return resolve(typed);
          }
          if (char === '\x03') {
            stdin.removeListener('data', onData);
            return reject(usageError('--ask-become-pass', 'interrupted'));
          }
          typed = char === '\x7f' || char === '\b' ? typed.slice(0, -1) : typed + char;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    stdin.setRawMode(false);
  }
}

/** A target that runs every command as `runAs` says, and is otherwise the target itself. */
function wrapTarget(target: Target, runAs: RunAs): Target {
  const { become } = runAs;
  const sudo =
    become === undefined
      ? undefined
      : become.password === undefined
        ? `sudo -n -u ${become.user} -- sh -c `
        : `sudo -S -p '' -u ${become.user} -- sh -c `;
  const secret = become?.password === undefined ? undefined : Buffer.from(`${become.password}\n`);
  return {
    id: target.id,
    spawn: (request: SpawnRequest) =>
      target.spawn({
        ...request,
        ...(sudo === undefined ? {} : { command: sudo + quote(request.command) }),
        ...(secret === undefined ? {} : { stdin: prepend(secret, request.stdin) }),
        ...(runAs.tty ? { tty: true } : {}),
      }),
    dispose: () => target.dispose(),
    releaseIdle: () => target.releaseIdle?.(),
  };
}

/** `first`, then the job's own stdin. */
function prepend(first: Buffer, rest: SpawnRequest['stdin']): Buffer | Readable {
  if (rest === undefined) return first;
  if (Buffer.isBuffer(rest)) return Buffer.concat([first, rest]);
  return Readable.from(
    (async function* () {
      yield first;
      yield* rest;
    })(),
  );
}
