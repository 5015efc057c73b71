import type { Duplex } from 'node:stream';
import { connectClient } from './connect.js';
import { Connection } from './connection.js';
import { SshFailure } from './failure.js';
import { GroupKiller } from './remote-kill.js';
import type { SshSettings } from './settings.js';
import { Slots } from './slots.js';
import { processSocketBudget, SocketBudget } from './socket-budget.js';

/** Handshakes in flight per host: below OpenSSH's MaxStartups (10) so that sshd does not drop us. */
const HANDSHAKES_PER_HOST = 8;
const RETRY_BASE_MS = 50;
const MAX_ATTEMPTS = 6;

interface PoolEntry {
  readonly settings: SshSettings;
  connection: Connection | undefined;
  connecting: Promise<Connection> | undefined;
  connectionsOpened: number;
  /** Closes the idle session agents on this entry's connection (set by whoever runs agents on it). */
  closeIdleAgents: (() => void) | undefined;
}

const entries = new Map<string, PoolEntry>();
const handshakes = new Map<string, Slots>();
/** Sockets of pooled connections, idle ones included, within the process's budget of file descriptors. */
const sockets = new SocketBudget(processSocketBudget, closeOneIdle);

/**
 * Frees a socket for someone waiting: closes one unused pooled connection (the oldest entry first), else
 * the idle session agents of one connection without work, which closes it once their channels are gone.
 * Idle agents cannot be left to idle out: their timers do not keep Node running, nor would anything else.
 */
function closeOneIdle(): void {
  let withIdleAgents: PoolEntry | undefined;
  for (const entry of entries.values()) {
    const connection = entry.connection;
    if (!connection || connection.closed || connection.busy || connection.settings.jump) continue;
    if (connection.unused) return connection.close();
    withIdleAgents ??= entry;
  }
  withIdleAgents?.closeIdleAgents?.();
}

/**
 * Opens a connection with a socket of the budget (one through a jump host is a channel of the jump's
 * connection and needs none); the socket is given back when the connection closes. A connection left
 * without work while others wait for a socket is closed, its idle session agents first.
 */
async function openBudgeted(settings: SshSettings): Promise<Connection> {
  if (settings.jump) return openConnection(settings);
  await sockets.take();
  let connection: Connection;
  try {
    connection = await openConnection(settings);
  } catch (error) {
    sockets.give();
    throw error;
  }
  if (connection.closed) sockets.give();
  else connection.client.once('close', () => sockets.give());
  connection.onIdle = () => {
    if (sockets.waiting === 0) return;
    if (connection.unused) connection.close();
    else entries.get(settings.poolKey)?.closeIdleAgents?.();
  };
  return connection;
}

function handshakeSlots(settings: SshSettings): Slots {
  const key = `${settings.hostname}:${settings.port}`;
  let slots = handshakes.get(key);
  if (!slots) handshakes.set(key, (slots = new Slots(HANDSHAKES_PER_HOST)));
  return slots;
}

/** A TCP stream to the host through its jump host, when it has one. */
async function openTransport(settings: SshSettings): Promise<{ transport?: Duplex; jump?: Connection }> {
  if (!settings.jump) return {};
  const jump = await acquireConnection(settings.jump);
  const transport = await new Promise<Duplex>((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, settings.hostname, settings.port, (error, stream) =>
      error
        ? reject(
            new SshFailure(
              'CONNECTION_FAILED',
              `Jump host ${settings.jump!.hostname}:${settings.jump!.port} cannot reach ${settings.hostname}:${settings.port}: ${error.message}`,
              { cause: error },
            ),
          )
        : resolve(stream),
    );
  });
  return { transport, jump };
}

/**
 * Connects with at most HANDSHAKES_PER_HOST handshakes per host at once, retrying a connection the server
 * dropped before the handshake (MaxStartups) with jittered exponential backoff, within `connectTimeoutMs`.
 */
async function openConnection(settings: SshSettings): Promise<Connection> {
  const deadline = Date.now() + settings.connectTimeoutMs;
  const slots = handshakeSlots(settings);
  for (let attempt = 1; ; attempt++) {
    await slots.acquire();
    try {
      const { transport, jump } = await openTransport(settings);
      const remaining = Math.max(1, deadline - Date.now());
      const { client, socket } = await connectClient({ ...settings, connectTimeoutMs: remaining }, transport);
      const connection = new Connection(settings, client, socket, jump);
      if (settings.user === 'root') connection.killer = new GroupKiller(connection);
      return connection;
    } catch (error) {
      const retryable = error instanceof SshFailure && error.retryable;
      if (!retryable || attempt >= MAX_ATTEMPTS || Date.now() >= deadline) throw error;
    } finally {
      slots.release();
    }
    const delay = RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
  }
}

function entryFor(settings: SshSettings): PoolEntry {
  let entry = entries.get(settings.poolKey);
  if (!entry) {
    entry = {
      settings,
      connection: undefined,
      connecting: undefined,
      connectionsOpened: 0,
      closeIdleAgents: undefined,
    };
    entries.set(settings.poolKey, entry);
  }
  return entry;
}

/**
 * Tells the pool how to close the idle session agents on the connection for these settings, so that it can
 * free that connection's socket when others wait for one.
 */
export function setIdleAgentCloser(settings: SshSettings, closeIdleAgents: () => void): void {
  entryFor(settings).closeIdleAgents = closeIdleAgents;
}

/**
 * The pooled connection for these settings: opened once even when many commands ask at the same moment,
 * re-opened after it drops or idles out.
 *
 * @example
 * const connection = await acquireConnection(settings);
 */
export function acquireConnection(settings: SshSettings): Promise<Connection> {
  const entry = entryFor(settings);
  const current = entry.connection;
  if (current && !current.closed) return Promise.resolve(current);
  const pooled = entry;
  pooled.connecting ??= openBudgeted(settings)
    .then((connection) => {
      pooled.connection = connection;
      pooled.connectionsOpened++;
      return connection;
    })
    .finally(() => (pooled.connecting = undefined));
  return pooled.connecting;
}

/** The live pooled connection for these settings, if there is one. */
export function currentConnection(settings: SshSettings): Connection | undefined {
  const connection = entries.get(settings.poolKey)?.connection;
  return connection && !connection.closed ? connection : undefined;
}

/** Opens a separate, unpooled connection (for kills when the pooled one has no channel to spare). */
export async function openSpareConnection(settings: SshSettings): Promise<Connection> {
  return openConnection({ ...settings, keepaliveMs: 0, idleTimeoutMs: 1000 });
}

/** One row per pooled (user, host, port, credentials). */
export interface SshPoolStats {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly connected: boolean;
  /** Connections opened so far for this key (1 unless one dropped or idled out). */
  readonly connectionsOpened: number;
  readonly activeChannels: number;
  readonly queuedChannels: number;
  /** Most channels open at once on the current connection. */
  readonly peakChannels: number;
}

/**
 * What the SSH connection pool holds now.
 *
 * @example
 * for (const row of getSshPoolStats()) console.log(row.host, row.activeChannels, row.queuedChannels);
 */
export function getSshPoolStats(): SshPoolStats[] {
  return [...entries.values()].map((entry) => {
    const connection = entry.connection && !entry.connection.closed ? entry.connection : undefined;
    const stats = connection?.stats;
    return {
      user: entry.settings.user,
      host: entry.settings.hostname,
      port: entry.settings.port,
      connected: connection !== undefined,
      connectionsOpened: entry.connectionsOpened,
      activeChannels: stats?.activeChannels ?? 0,
      queuedChannels: stats?.queuedChannels ?? 0,
      peakChannels: stats?.peakChannels ?? 0,
    };
  });
}

/** Closes the pooled connection for these settings, if it is idle (busy ones are never evicted). */
export function closeIdleConnection(settings: SshSettings): void {
  const connection = currentConnection(settings);
  if (connection && !connection.busy) connection.close();
}

/** Closes every pooled connection; commands still running on them fail with CONNECTION_LOST. */
export function closeAllConnections(): void {
  for (const entry of entries.values()) entry.connection?.close();
  entries.clear();
}
