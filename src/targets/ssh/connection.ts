import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, PseudoTtyOptions, SFTPWrapper } from 'ssh2';
import { SshFailure } from './failure.js';
import type { SshSettings } from './settings.js';
import type { GroupKiller } from './remote-kill.js';
import { Slots } from './slots.js';
import { MAX_TIMER_STEP_MS, setLongTimeout, type LongTimer } from '../../internal/timer.js';

/** ssh2 sends `keepalive@openssh.com` through its protocol object; its own timer would keep Node alive. */
interface PingableClient {
  readonly _protocol?: { ping(): void };
}

function isChannelOpenFailure(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('(SSH) Channel open failure');
}

const OPEN_FAILURE_BACKOFF_MS = 25;
/** Refusals in a row, with no channel of ours open, before a channel open failure is a real failure. */
const MAX_IDLE_REFUSALS = 5;

/**
 * One authenticated SSH connection: channels capped by `maxChannels` with a queue behind, "Channel open
 * failure" taken as back-pressure, SSH-level keepalive on its own unref'd timer, an idle timeout, and a
 * socket that keeps Node alive only while the connection has work.
 */
export class Connection {
  readonly settings: SshSettings;
  readonly client: Client;
  readonly #socket: net.Socket | undefined;
  readonly #jump: Connection | undefined;
  readonly #slots: Slots;
  readonly #lostListeners = new Set<(failure: SshFailure) => void>();
  /** Connections that jump through this one: it is not closed for idleness while they exist. */
  #dependants = 0;
  /** Dependants that are busy: the socket stays ref'd for them. */
  #holds = 0;
  #holdingJump = false;
  #pinningJump = false;
  #closed = false;
  #lastSeen = Date.now();
  #idleTimer: LongTimer | undefined;
  readonly #keepaliveTimer: NodeJS.Timeout | undefined;
  /** Called by the pool whenever the connection has no work left (it may close it then if `unused`). */
  onIdle: (() => void) | undefined;
  /** Set by the pool for root logins, whose SSH signal requests sshd 9.2 ignores; holds one channel slot. */
  killer: GroupKiller | undefined;
  #openChannels = 0;
  #background = 0;
  #peakChannels = 0;

  constructor(settings: SshSettings, client: Client, transport: Duplex, jump: Connection | undefined) {
    this.settings = settings;
    this.client = client;
    this.#jump = jump;
    this.#socket = 'setNoDelay' in transport ? (transport as net.Socket) : undefined;
    this.#slots = new Slots(settings.maxChannels);
    if (jump) {
      jump.#dependants++;
      this.#pinningJump = true;
    }
    transport.on('data', () => (this.#lastSeen = Date.now()));
    client.on('error', () => {});
    client.on('close', () =>
      this.#lose(
        new SshFailure('CONNECTION_LOST', `Connection to ${settings.hostname}:${settings.port} was lost`),
      ),
    );
    if (settings.keepaliveMs > 0) {
      // An interval cannot be chained; checking at least every 2³¹ − 1 ms only makes a long keepalive exact.
      this.#keepaliveTimer = setInterval(
        () => this.#keepalive(),
        Math.min(settings.keepaliveMs, MAX_TIMER_STEP_MS),
      );
      this.#keepaliveTimer.unref();
    }
    this.#update();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats() {
    return {
      backgroundChannels: this.#background,
      activeChannels: this.#openChannels,
      queuedChannels: this.#slots.pending,
      peakChannels: this.#peakChannels,
      channelLimit: this.#slots.limit,
    };
  }

  /** Runs or waits to run something (a command, a transfer, a command on a session agent), or carries jumps. */
  get busy(): boolean {
    return this.#isBusy() || this.#dependants > 0;
  }

  /** Has no work and no session agents (the killer channel of a root login aside): closing it loses nothing. */
  get unused(): boolean {
    return !this.busy && this.#background - (this.killer ? 1 : 0) <= 0;
  }

  /** Calls `listener` once if the connection drops (not when closed on purpose). */
  onLost(listener: (failure: SshFailure) => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  /**
   * Marks work that runs on a background channel (a command on a session agent): the connection stays
   * busy, and so neither idles out nor lets Node exit, until the returned function is called.
   */
  hold(): () => void {
    this.#hold(1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#hold(-1);
    };
  }

  #hold(delta: 1 | -1): void {
    this.#holds += delta;
    this.#update();
  }

  /**
   * Opens a session channel and runs `line` once a channel slot is free: every channel, helpers included,
   * fits inside the cap. A server that refuses the channel (MaxSessions reached) lowers the cap and the
   * request waits for a slot again. Rejects with an SshFailure
   * that is `retryable` when nothing was sent (the connection closed while queued). `onSent` is called when
   * the request leaves: from then on the command may run even if no channel comes back.
   */
  async exec(
    line: string,
    options: {
      background?: boolean;
      signal?: AbortSignal;
      onSent?: () => void;
      /** Ask for a pseudo-terminal with these settings. */
      pty?: PseudoTtyOptions;
    } = {},
  ): Promise<ClientChannel> {
    let refusals = 0;
    for (;;) {
      if (this.#closed) throw this.#closedFailure();
      await this.#acquire(options.signal);
      try {
        const opening = this.#open(line, options.pty);
        options.onSent?.();
        const channel = await opening;
        this.#peakChannels = Math.max(this.#peakChannels, this.#slots.active);
        if (options.background) {
          // A helper channel (an agent, the killer): holds a slot but is not work that keeps the connection busy.
          this.#background++;
          this.#update();
          channel.once('close', () => {
            this.#background--;
            this.#release();
          });
          return channel;
        }
        this.#openChannels++;
        channel.once('close', () => {
          this.#openChannels--;
          this.#release();
        });
        return channel;
      } catch (error) {
        this.#release();
        if (!isChannelOpenFailure(error) || this.#closed) throw this.#wrap(error);
        if (this.#slots.active === 0 && ++refusals >= MAX_IDLE_REFUSALS) throw this.#wrap(error);
        // The server allows fewer sessions than we thought: keep to what it holds now.
        this.#slots.limit = Math.max(1, this.#slots.active);
        await new Promise((resolve) => setTimeout(resolve, OPEN_FAILURE_BACKOFF_MS * (1 + Math.random())));
      }
    }
  }

  /** Opens an SFTP session on one of this connection's channel slots, freed when the session ends. */
  async sftp(signal?: AbortSignal): Promise<SFTPWrapper> {
    await this.#acquire(signal);
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        this.client.sftp((error, session) => (error ? reject(error) : resolve(session))),
      );
      this.#peakChannels = Math.max(this.#peakChannels, ++this.#openChannels);
      sftp.once('close', () => {
        this.#openChannels--;
        this.#release();
      });
      return sftp;
    } catch (error) {
      this.#release();
      throw this.#wrap(error);
    }
  }

  /** Ends the connection; commands still running on it fail with CONNECTION_LOST. */
  close(): void {
    if (this.#closed) return;
    this.#lose(
      new SshFailure(
        'CONNECTION_LOST',
        `Connection to ${this.settings.hostname}:${this.settings.port} was closed`,
      ),
    );
    this.client.end();
    // A server that does not answer the disconnect must not keep us waiting.
    setTimeout(() => this.client.destroy(), 1000).unref();
  }

  async #acquire(signal: AbortSignal | undefined): Promise<void> {
    this.#clearIdle();
    this.#update(true);
    try {
      await this.#slots.acquire(signal);
    } catch (error) {
      this.#update();
      throw error;
    }
    if (this.#closed) {
      this.#slots.release();
      throw this.#closedFailure();
    }
  }

  #release(): void {
    this.#slots.release();
    this.#update();
  }

  #open(line: string, pty: PseudoTtyOptions | undefined): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | undefined, channel: ClientChannel): void =>
        error ? reject(error) : resolve(channel);
      if (pty) this.client.exec(line, { pty }, done);
      else this.client.exec(line, done);
    });
  }

  #wrap(error: unknown): SshFailure {
    if (error instanceof SshFailure) return error;
    const where = `${this.settings.hostname}:${this.settings.port}`;
    if (this.#closed)
      return new SshFailure('CONNECTION_LOST', `Connection to ${where} was lost`, { cause: error });
    return new SshFailure('CONNECTION_FAILED', `${where} refused to open a channel`, { cause: error });
  }

  #closedFailure(): SshFailure {
    return new SshFailure(
      'CONNECTION_LOST',
      `Connection to ${this.settings.hostname}:${this.settings.port} closed`,
      {
        retryable: true,
      },
    );
  }

  #lose(failure: SshFailure): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    this.#teardown(this.#closedFailure());
    if (wasClosed) return;
    for (const listener of this.#lostListeners) listener(failure);
    this.#lostListeners.clear();
  }

  #teardown(queued: SshFailure): void {
    clearInterval(this.#keepaliveTimer);
    this.#clearIdle();
    this.#slots.rejectAll(queued);
    const jump = this.#jump;
    if (!jump) return;
    if (this.#holdingJump) jump.#hold(-1);
    this.#holdingJump = false;
    if (this.#pinningJump) {
      this.#pinningJump = false;
      jump.#dependants--;
      jump.#update();
    }
  }

  #keepalive(): void {
    const silentMs = Date.now() - this.#lastSeen;
    if (silentMs >= this.settings.keepaliveMs * (this.settings.keepaliveCountMax + 1)) {
      this.#lose(
        new SshFailure(
          'CONNECTION_LOST',
          `${this.settings.hostname}:${this.settings.port} stopped answering keepalives`,
        ),
      );
      this.client.destroy();
      return;
    }
    if (silentMs >= this.settings.keepaliveMs) (this.client as unknown as PingableClient)._protocol?.ping();
  }

  #clearIdle(): void {
    this.#idleTimer?.clear();
    this.#idleTimer = undefined;
  }

  #isBusy(): boolean {
    return this.#slots.active - this.#background > 0 || this.#slots.pending > 0 || this.#holds > 0;
  }

  /** Refs the socket while there is work, so that an idle pool never keeps a script from ending. */
  #update(busyNow = false): void {
    if (this.#closed) return;
    const busy = busyNow || this.#isBusy();
    if (this.#jump && busy !== this.#holdingJump) {
      this.#holdingJump = busy;
      this.#jump.#hold(busy ? 1 : -1);
    }
    if (busy) {
      this.#clearIdle();
      this.#socket?.ref();
      return;
    }
    this.#socket?.unref();
    if (this.#dependants > 0) return this.#clearIdle();
    this.onIdle?.();
    if (this.#closed) return;
    if (!this.#idleTimer) {
      this.#idleTimer = setLongTimeout(() => this.close(), this.settings.idleTimeoutMs).unref();
    }
  }
}
