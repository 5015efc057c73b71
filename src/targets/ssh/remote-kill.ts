import type { ClientChannel } from 'ssh2';
import type { Connection } from './connection.js';
import { openSpareConnection } from './pool.js';
import { buildGroupKill } from './remote-command.js';
import type { SshSettings } from './settings.js';

/** A shell that reads `SIGNAL PGID` lines and signals those process groups: kills without a new exec. */
const KILLER_LINE = `exec /bin/sh -c 'while read -r s p; do kill -$s -$p 2>/dev/null; done'`;

function drain(channel: ClientChannel): Promise<void> {
  return new Promise((resolve) => {
    channel.on('error', () => {});
    channel.once('close', () => resolve());
    channel.resume();
    channel.stderr.resume();
    channel.end();
  });
}

/**
 * A channel kept open beside the commands of a login whose SSH signal requests sshd ignores (root on
 * OpenSSH 9.2): a kill is then one line on it, not a new exec that pays the login shell's rc files first.
 *
 * @example
 * const killer = new GroupKiller(connection);
 * await killer.kill(4242, 'SIGTERM');
 */
export class GroupKiller {
  #channel: Promise<ClientChannel | undefined>;

  constructor(connection: Connection) {
    this.#channel = connection.exec(KILLER_LINE, { priority: true, background: true }).then(
      (channel) => {
        channel.on('error', () => {});
        channel.resume();
        channel.stderr.resume();
        channel.once('close', () => (this.#channel = Promise.resolve(undefined)));
        return channel;
      },
      () => undefined,
    );
  }

  /** Returns false when the channel is not there (refused or closed). */
  async kill(pgid: number, signal: NodeJS.Signals): Promise<boolean> {
    const channel = await this.#channel;
    if (!channel || !channel.writable) return false;
    channel.write(`${signal.replace(/^SIG/, '')} ${pgid}\n`);
    return true;
  }
}

/**
 * Signals a remote process group (`kill -SIG -pgid`): the way that works for every login, root included.
 * Uses the connection's GroupKiller when it has one, else a second channel that skips the queue; when the
 * server has no channel to spare (MaxSessions), a separate short-lived connection carries it. Never throws.
 *
 * @example
 * await killRemoteGroup(connection, settings, 4242, 'SIGTERM');
 */
export async function killRemoteGroup(
  connection: Connection,
  settings: SshSettings,
  pgid: number,
  signal: NodeJS.Signals,
): Promise<void> {
  if (connection.killer && (await connection.killer.kill(pgid, signal))) return;
  const line = buildGroupKill(pgid, signal);
  try {
    await drain(await connection.exec(line, { priority: true }));
    return;
  } catch {
    if (connection.closed) return;
  }
  try {
    const spare = await openSpareConnection(settings);
    try {
      await drain(await spare.exec(line, { priority: true }));
    } finally {
      spare.close();
    }
  } catch {
    // Unreachable now: the command's own deadline after SIGKILL settles it.
  }
}
