import type { ClientChannel } from 'ssh2';
import { ConnectionError } from '../../errors.js';
import { quote } from '../../internal/quote.js';
import type { AgentChannel, AgentHandlers } from '../remote/agent.js';
import type { WrapperExec, WrapperTransport } from '../remote/dedicated.js';
import { AGENT_LAUNCH, buildKillScript, WRAPPER_SCRIPT } from '../remote/scripts.js';
import { flowOf, type ExitStatus } from '../target.js';
import type { Connection } from './connection.js';
import { SshFailure, toConnectionError } from './failure.js';
import { acquireConnection, currentConnection, openSpareConnection } from './pool.js';
import type { SshSettings } from './settings.js';

/** Signals the SSH protocol can carry (RFC 4254 §6.10). */
const SSH_SIGNALS = new Set([
  'ABRT',
  'ALRM',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'KILL',
  'PIPE',
  'QUIT',
  'SEGV',
  'TERM',
  'USR1',
  'USR2',
]);
/** Attempts when the connection drops while the exec is still queued (nothing started). */
const MAX_REQUEUES = 3;
/** The login shell hands over to `/bin/sh` at once: the scripts never depend on the login shell. */
const WRAPPER_LINE = `exec /bin/sh -c ${quote(WRAPPER_SCRIPT)}`;
const AGENT_LINE = `exec /bin/sh -c ${quote(AGENT_LAUNCH)}`;

function toStatus(code: unknown, signal: unknown): ExitStatus | undefined {
  if (typeof code === 'number') return { exitCode: code, signal: null };
  if (typeof signal === 'string') return { exitCode: null, signal: signal as NodeJS.Signals };
  return undefined;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

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
 * The terminal of a `tty` command: it passes the wrapper's line through unchanged (no echo, no line
 * editing or length limit, no signal characters, CR stays CR) and writes newlines as they are, so that
 * output keeps its lines; programs still see a terminal.
 */
const TTY_MODES = {
  term: 'dumb',
  modes: { ECHO: 0, ICANON: 0, ISIG: 0, IEXTEN: 0, ICRNL: 0, IXON: 0, ONLCR: 0 },
} as const;

/** Runs `line` on a channel of `connection`: the exec, with requeues when the connection drops first. */
async function openChannel(
  settings: SshSettings,
  line: string,
  command: string,
  options: { readonly background?: boolean; readonly signal?: AbortSignal; readonly tty?: boolean },
): Promise<{ connection: Connection; channel: ClientChannel }> {
  const cancel = options.signal ?? new AbortController().signal;
  for (let attempt = 1; ; attempt++) {
    let sent = false;
    try {
      // A live pooled connection needs no wait, and so no abort listener (a cost on every command).
      const connection =
        currentConnection(settings) ?? (await raceAbort(acquireConnection(settings), cancel));
      const channel = await connection.exec(line, {
        ...(options.background ? { background: true } : {}),
        ...(options.tty ? { pty: TTY_MODES } : {}),
        signal: cancel,
        onSent: () => (sent = true),
      });
      return { connection, channel };
    } catch (error) {
      const requeue =
        !sent && error instanceof SshFailure && error.retryable && error.code === 'CONNECTION_LOST';
      if (!requeue || attempt >= MAX_REQUEUES || cancel.aborted)
        throw toConnectionError(error, settings.id, command);
    }
  }
}

/**
 * Signals a remote process group from a separate, short-lived connection: the way that needs no channel
 * of the pooled connection (which may have none to spare). Never throws.
 */
async function killFromSpare(settings: SshSettings, pgid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    const spare = await openSpareConnection(settings);
    try {
      await drain(await spare.exec(buildKillScript(pgid, signal)));
    } finally {
      spare.close();
    }
  } catch {
    // Unreachable now: the command's own deadline after SIGKILL settles it.
  }
}

/**
 * SSH's part of running commands: channels of the pooled connection for the wrapper and the agents, exit
 * statuses from the channel, and kills by signal request (non-root logins; sshd signals the session's
 * group) or by a line on the connection's GroupKiller (root).
 *
 * @example
 * const transport = new SshTransport(settings);
 * runOnWrapper(transport, request);
 */
export class SshTransport implements WrapperTransport {
  readonly id: string;
  readonly settings: SshSettings;
  readonly #channels = new WeakMap<WrapperExec, { connection: Connection; channel: ClientChannel }>();

  constructor(settings: SshSettings) {
    this.settings = settings;
    this.id = settings.id;
  }

  async openWrapper(
    { command, tty }: { readonly command: string; readonly tty?: boolean },
    output: { readonly onStdout: (chunk: Buffer) => void; readonly onStderr: (chunk: Buffer) => void },
    cancel: AbortSignal,
  ): Promise<WrapperExec> {
    const { connection, channel } = await openChannel(this.settings, WRAPPER_LINE, command, {
      signal: cancel,
      tty,
    });
    const { id } = this;
    const ended = new Promise<ExitStatus>((resolve, reject) => {
      let status: ExitStatus | undefined;
      let stderrEnded = false;
      let closed = false;
      const stopWatching = connection.onLost((failure) => reject(toConnectionError(failure, id, command)));
      const settle = (): void => {
        if (!stderrEnded || !closed) return;
        stopWatching();
        if (status) return resolve(status);
        const lost = connection.closed;
        reject(
          new ConnectionError(
            lost
              ? `Connection to ${id} was lost while the command ran; its outcome is unknown: ${command}`
              : `The channel on ${id} closed without an exit status; the outcome is unknown: ${command}`,
            { code: lost ? 'CONNECTION_LOST' : 'NO_EXIT_STATUS', target: id, command },
          ),
        );
      };
      channel.on('data', output.onStdout);
      channel.stderr.on('data', output.onStderr);
      channel.stderr.once('end', () => {
        stderrEnded = true;
        settle();
      });
      channel.on('exit', (code: unknown, signal: unknown) => (status ??= toStatus(code, signal)));
      channel.on('close', (code: unknown, signal: unknown) => {
        status ??= toStatus(code, signal);
        closed = true;
        if (channel.stderr.readableEnded) stderrEnded = true;
        settle();
      });
      channel.on('error', () => {});
    });
    const exec: WrapperExec = {
      stdin: channel,
      ended,
      destroy: () => channel.close(),
      // A paused channel stops adjusting its window once ssh2's buffer is full: the host stops sending.
      ...flowOf(channel),
    };
    this.#channels.set(exec, { connection, channel });
    return exec;
  }

  signalGroup(exec: WrapperExec, pid: number, signal: NodeJS.Signals): void {
    const open = this.#channels.get(exec);
    if (!open) return;
    const { connection, channel } = open;
    const name = signal.replace(/^SIG/, '');
    if (connection.killer) return this.#killOutside(connection, pid, signal);
    // ssh2 sends no signal request once our side of the channel has ended (a command without stdin, or
    // whose input is all sent): it would be dropped without a word.
    if (!SSH_SIGNALS.has(name) || !channel.writable) return void killFromSpare(this.settings, pid, signal);
    try {
      channel.signal(name);
    } catch {
      // The channel is closing.
    }
  }

  /** Signals a process group by the connection's GroupKiller (root) or from a spare connection. */
  #killOutside(connection: Connection, pid: number, signal: NodeJS.Signals): void {
    const sent =
      connection.killer && !connection.closed ? connection.killer.kill(pid, signal) : Promise.resolve(false);
    void sent.then((done) => {
      if (!done) void killFromSpare(this.settings, pid, signal);
    });
  }

  /** Opens a session agent on a channel of the pooled connection. */
  async openAgent(handlers: AgentHandlers, command: string): Promise<AgentChannel> {
    const { connection, channel } = await openChannel(this.settings, AGENT_LINE, command, {
      background: true,
    });
    channel.on('data', handlers.onStdout);
    channel.stderr.on('data', handlers.onStderr);
    channel.on('error', () => {});
    // The agent's exit ends it even while a command it ran holds the channel's output open (the agent was
    // killed); ssh2 may report the exit only with the close.
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      handlers.onClose();
    };
    channel.once('exit', () => {
      onEnd();
      channel.close();
    });
    channel.once('close', onEnd);
    let release: (() => void) | undefined;
    return {
      write: (data) => void channel.write(data),
      close: () => {
        release?.();
        channel.end();
      },
      setBusy: (busy) => {
        release?.();
        release = busy ? connection.hold() : undefined;
      },
      killGroup: (pid) => this.#killOutside(connection, pid, 'SIGKILL'),
      ...flowOf(channel),
    };
  }

  /** Agents that fit beside the killer channel (root) and one channel for commands with stdin. */
  maxAgents(): number {
    const connection = currentConnection(this.settings);
    const limit = connection?.stats.channelLimit ?? this.settings.maxChannels;
    const reserved = this.settings.user === 'root' ? 2 : 1;
    return Math.max(1, limit - reserved);
  }
}
