import type { ClientChannel } from 'ssh2';
import type { Connection } from './connection.js';

/** A shell that reads `SIGNAL PGID` lines and signals those process groups: kills without a new exec. */
const KILLER_LINE = `exec /bin/sh -c 'while read -r s p; do kill -$s -$p 2>/dev/null; done'`;

/**
 * A channel kept open beside the commands of a login whose SSH signal requests sshd ignores (root on
 * OpenSSH 9.2): a kill is then one line on it, not a new exec that pays the login shell's rc files first.
 * It is opened first, as an ordinary channel, so it always fits inside the server's MaxSessions.
 *
 * @example
 * connection.killer = new GroupKiller(connection);
 * await connection.killer.kill(4242, 'SIGTERM');
 */
export class GroupKiller {
  #channel: Promise<ClientChannel | undefined>;

  constructor(connection: Connection) {
    this.#channel = connection.exec(KILLER_LINE, { background: true }).then(
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
