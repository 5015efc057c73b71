import type { ClientChannel } from 'ssh2';
import { ConnectionError, SpawnError, type FanoutError } from '../../errors.js';
import type { ExitStatus, RunningCommand, SpawnRequest } from '../target.js';
import type { Connection } from './connection.js';
import { SshFailure, toConnectionError } from './failure.js';
import { acquireConnection, currentConnection } from './pool.js';
import { buildRemoteCommand, isPlainSh, OutputReports, runInSh } from './remote-command.js';
import { killRemoteGroup } from './remote-kill.js';
import type { SshSettings } from './settings.js';

/** After TERM by signal request, how long before the same signal goes to the process group (root logins). */
const GROUP_KILL_DELAY_MS = 300;
/** After SIGKILL, how long the server has to report the end before the command fails as unconfirmed. */
const KILL_CONFIRM_MS = 5000;
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
/** Attempts when the connection drops while the command is still queued (it never started). */
const MAX_REQUEUES = 3;

function toStatus(code: unknown, signal: unknown): ExitStatus | undefined {
  if (typeof code === 'number') return { exitCode: code, signal: null };
  if (typeof signal === 'string') return { exitCode: null, signal: signal as NodeJS.Signals };
  return undefined;
}

/** Kills a command that was cancelled while its channel was being opened: it started all the same. */
function reap(connection: Connection, settings: SshSettings, channel: ClientChannel): void {
  const reports = new OutputReports(
    () => {},
    (report) => {
      if ('pgid' in report) void killRemoteGroup(connection, settings, report.pgid, 'SIGKILL');
    },
  );
  channel.on('error', () => {});
  channel.on('data', (chunk: Buffer) => reports.push(chunk));
  channel.stderr.resume();
  try {
    channel.signal('KILL');
  } catch {
    // Already closing.
  }
  channel.end();
  setTimeout(() => channel.close(), KILL_CONFIRM_MS).unref();
}

/**
 * One command on an SSH host: queued for a channel of the pooled connection, run through the wrapper that
 * reports its process group, and settled from the exit status, never from a mere channel close.
 */
export class SshCommand implements RunningCommand {
  readonly exited: Promise<ExitStatus>;
  readonly #settings: SshSettings;
  readonly #request: SpawnRequest;
  readonly #abort = new AbortController();
  #resolve!: (status: ExitStatus) => void;
  #reject!: (error: FanoutError) => void;
  #settled = false;
  #connection: Connection | undefined;
  #channel: ClientChannel | undefined;
  #pgid: number | undefined;
  #groupSignal: NodeJS.Signals | undefined;
  #status: ExitStatus | undefined;
  #nocwd = false;
  #timers: NodeJS.Timeout[] = [];
  /** The exec request has left: the command may be running even before its channel is here. */
  #sent = false;
  readonly #pendingSignals: NodeJS.Signals[] = [];
  #stopWatchingConnection: (() => void) | undefined;

  constructor(settings: SshSettings, request: SpawnRequest) {
    this.#settings = settings;
    this.#request = request;
    this.exited = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    void this.#start();
  }

  get settled(): boolean {
    return this.#settled;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#settled) return;
    const channel = this.#channel;
    if (!channel && !this.#sent) {
      // Not started yet: it never will.
      this.#abort.abort();
      this.#finish({ exitCode: null, signal });
      return;
    }
    if (!channel) {
      this.#pendingSignals.push(signal);
      if (signal === 'SIGKILL') this.#later(KILL_CONFIRM_MS, () => this.#unconfirmed());
      return;
    }
    const name = signal.replace(/^SIG/, '');
    if (SSH_SIGNALS.has(name)) {
      try {
        channel.signal(name);
      } catch {
        // The channel is closing.
      }
    }
    if (signal === 'SIGKILL') {
      this.#signalGroup(signal);
      this.#later(KILL_CONFIRM_MS, () => this.#unconfirmed());
    } else {
      const delay = SSH_SIGNALS.has(name) && !this.#connection?.killer ? GROUP_KILL_DELAY_MS : 0;
      this.#later(delay, () => this.#signalGroup(signal));
    }
  }

  async #start(): Promise<void> {
    const { command } = this.#request;
    const noStdin = this.#request.stdin === undefined;
    let wrapper: string;
    try {
      wrapper = buildRemoteCommand({ ...this.#request, noStdin, loginShellIsSh: true });
    } catch (error) {
      const message = `Cannot start command on ${this.#settings.id}: ${(error as Error).message}`;
      return this.#fail(
        new SpawnError(message, { code: 'SPAWN_FAILED', target: this.#settings.id, command, cause: error }),
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        // A live pooled connection needs no wait, and so no abort listener (a cost on every command).
        const connection =
          currentConnection(this.#settings) ?? (await this.#raceAbort(acquireConnection(this.#settings)));
        const line = connection.loginShellIsSh ? wrapper : runInSh(wrapper);
        const channel = await connection.exec(line, {
          signal: this.#abort.signal,
          onSent: () => (this.#sent = true),
        });
        if (this.#settled) return reap(connection, this.#settings, channel);
        this.#run(connection, channel);
        return;
      } catch (error) {
        if (this.#settled) return;
        const requeue =
          !this.#sent && error instanceof SshFailure && error.retryable && error.code === 'CONNECTION_LOST';
        if (!requeue || attempt >= MAX_REQUEUES)
          return this.#fail(toConnectionError(error, this.#settings.id, command));
      }
    }
  }

  #raceAbort<T>(promise: Promise<T>): Promise<T> {
    const signal = this.#abort.signal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #run(connection: Connection, channel: ClientChannel): void {
    this.#connection = connection;
    this.#channel = channel;
    const request = this.#request;
    const reports = new OutputReports(request.onStdout, (report) => {
      if ('nocwd' in report) this.#nocwd = true;
      else {
        this.#pgid = report.pgid;
        if (isPlainSh(report.shell)) connection.loginShellIsSh = true;
        if (this.#groupSignal) this.#signalGroup(this.#groupSignal);
      }
    });
    let stderrEnded = false;
    let closed = false;
    const settle = (): void => {
      if (!stderrEnded || !closed) return;
      reports.end();
      this.#onClose();
    };
    channel.on('data', (chunk: Buffer) => reports.push(chunk));
    channel.stderr.on('data', request.onStderr);
    channel.stderr.once('end', () => {
      stderrEnded = true;
      settle();
    });
    channel.on('exit', (code: unknown, signal: unknown) => (this.#status ??= toStatus(code, signal)));
    channel.on('close', (code: unknown, signal: unknown) => {
      this.#status ??= toStatus(code, signal);
      closed = true;
      if (channel.stderr.readableEnded) stderrEnded = true;
      settle();
    });
    channel.on('error', () => {});
    this.#stopWatchingConnection = connection.onLost((failure) =>
      this.#fail(toConnectionError(failure, this.#settings.id, request.command)),
    );
    const stdin = request.stdin;
    if (stdin === undefined) {
      // The wrapper reads /dev/null: no end-of-file packet to send.
    } else if (Buffer.isBuffer(stdin)) channel.end(stdin);
    else stdin.on('error', () => channel.end()).pipe(channel);
    for (const signal of this.#pendingSignals.splice(0)) this.kill(signal);
  }

  #onClose(): void {
    const { id } = this.#settings;
    const { command, cwd } = this.#request;
    if (this.#nocwd) {
      return this.#fail(
        new SpawnError(`Cannot start command on ${id}: working directory ${cwd} does not exist: ${command}`, {
          code: 'SPAWN_FAILED',
          target: id,
          command,
        }),
      );
    }
    if (this.#status) return this.#finish(this.#status);
    const lost = this.#connection?.closed;
    this.#fail(
      new ConnectionError(
        lost
          ? `Connection to ${id} was lost while the command ran; its outcome is unknown: ${command}`
          : `The channel on ${id} closed without an exit status; the outcome is unknown: ${command}`,
        { code: lost ? 'CONNECTION_LOST' : 'NO_EXIT_STATUS', target: id, command },
      ),
    );
  }

  #signalGroup(signal: NodeJS.Signals): void {
    if (this.#settled || !this.#connection) return;
    if (this.#pgid === undefined) {
      this.#groupSignal = signal;
      return;
    }
    void killRemoteGroup(this.#connection, this.#settings, this.#pgid, signal);
  }

  /** SIGKILL was sent and the server did not report the end in time: give up on the channel. */
  #unconfirmed(): void {
    if (this.#settled) return;
    this.#channel?.close();
    const { id } = this.#settings;
    const { command } = this.#request;
    const lost = this.#connection?.closed;
    this.#fail(
      new ConnectionError(
        `${id} did not confirm that the command ended after SIGKILL${lost ? ' (connection lost)' : ''}: ${command}`,
        { code: lost ? 'CONNECTION_LOST' : 'NO_EXIT_STATUS', target: id, command },
      ),
    );
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms);
    this.#timers.push(timer);
  }

  #cleanUp(): void {
    this.#settled = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#stopWatchingConnection?.();
  }

  #finish(status: ExitStatus): void {
    if (this.#settled) return;
    this.#cleanUp();
    this.#resolve(status);
  }

  #fail(error: FanoutError): void {
    if (this.#settled) return;
    this.#cleanUp();
    this.#reject(error);
  }
}
