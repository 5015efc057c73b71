/**
 * A fault-injecting TCP proxy for tests and benchmarks: one listener in front of one server, on loopback.
 *
 * ## Contract
 *
 * `startFaultProxy({ listen, upstream, up, down })` listens on `listen.host` (port `listen.port`, default an
 * ephemeral one: read `proxy.port`) and forwards every accepted connection to `upstream`.
 *
 * - **Shape** per direction (`up`: client → server, `down`: server → client): `delayMs` plus a uniform jitter
 *   of ±`jitterMs` on every chunk, and a bandwidth cap `bytesPerSecond`. Bytes are never reordered (a chunk
 *   is never delivered before the one read before it) and never altered. `proxy.shape({ up, down })` changes
 *   it while connections run (it applies to data read from then on).
 * - **Faults**, switchable at any time with `proxy.fault(…)`; each applies to open connections and to new ones
 *   until `proxy.fault({ kind: 'none' })`:
 *   - `blackhole`: connections stay open and nothing is answered: data in both directions is dropped, new
 *     connections are accepted and never connected upstream;
 *   - `reset`: open connections are reset (RST on both sides), new ones are reset as soon as accepted;
 *   - `close`: open connections are closed (FIN on both sides), new ones are closed as soon as accepted;
 *   - `stall` (`afterBytes`): each direction of each connection forwards `afterBytes` more bytes (counted
 *     from the fault, or from the start of a new connection) and then holds everything, connection open.
 * - `proxy.connections` counts open client connections; `proxy.close()` stops listening and destroys them.
 *
 * One timer per direction of a connection, armed only while data waits, so hundreds of proxies cost little.
 *
 * @example
 * const proxy = await startFaultProxy({ listen: { host: '127.2.0.1' }, upstream: { host: '127.1.0.1', port: 2222 },
 *   up: { delayMs: 20, jitterMs: 5 }, down: { delayMs: 20, jitterMs: 5 } });
 * proxy.fault({ kind: 'blackhole' });
 * await proxy.close();
 */
import net from 'node:net';

/** How one direction of the proxy treats the bytes it forwards. */
export interface LinkShape {
  /** Added to every chunk. Default: 0. */
  readonly delayMs?: number;
  /** Each chunk's delay varies uniformly by ± this much (never below 0). Default: 0. */
  readonly jitterMs?: number;
  /** Bandwidth cap of this direction of each connection. Default: none. */
  readonly bytesPerSecond?: number;
}

export type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'close' }
  | { readonly kind: 'stall'; readonly afterBytes: number };

export interface FaultProxyOptions {
  readonly listen: { readonly host: string; readonly port?: number };
  readonly upstream: { readonly host: string; readonly port: number };
  readonly up?: LinkShape;
  readonly down?: LinkShape;
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly currentFault: Fault;
  shape(shapes: { readonly up?: LinkShape; readonly down?: LinkShape }): void;
  fault(fault: Fault): void;
  close(): Promise<void>;
}

/** Past this many bytes waiting in one direction, the proxy stops reading from its source. */
const HIGH_WATER = 1024 * 1024;

/** One direction of one connection: reads `from`, writes `to` after the shape's delay. */
class Link {
  readonly #queue: { chunk: Buffer; due: number }[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;
  /** When the last queued chunk is due: later chunks are never due before it. */
  #lastDue = 0;
  /** When the bandwidth cap lets the next chunk start. */
  #wireFree = 0;
  #ended = false;
  /** Bytes this link may still forward (stall), Infinity when unlimited. */
  allowance = Infinity;
  dropping = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly shape: () => LinkShape,
  ) {
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.on('end', () => {
      this.#ended = true;
      this.#flush();
    });
  }

  #push(chunk: Buffer): void {
    if (this.dropping) return;
    const { delayMs = 0, jitterMs = 0, bytesPerSecond } = this.shape();
    const now = performance.now();
    if (delayMs === 0 && jitterMs === 0 && bytesPerSecond === undefined && this.#queue.length === 0) {
      this.#queue.push({ chunk, due: now });
    } else {
      let sent = now;
      if (bytesPerSecond !== undefined) {
        sent = Math.max(now, this.#wireFree) + (chunk.length * 1000) / bytesPerSecond;
        this.#wireFree = sent;
      }
      const jitter = jitterMs === 0 ? 0 : (Math.random() * 2 - 1) * jitterMs;
      const due = Math.max(sent + Math.max(0, delayMs + jitter), this.#lastDue);
      this.#lastDue = due;
      this.#queue.push({ chunk, due });
    }
    this.#queued += chunk.length;
    if (this.#queued > HIGH_WATER) this.from.pause();
    this.#flush();
  }

  /** Writes every chunk that is due and allowed, then waits for the next one. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length > 0 && this.allowance > 0) {
      const head = this.#queue[0]!;
      if (head.due > now) {
        this.#timer = setTimeout(() => this.#flush(), Math.ceil(head.due - now));
        return;
      }
      const part = head.chunk.length <= this.allowance ? head.chunk : head.chunk.subarray(0, this.allowance);
      if (this.allowance !== Infinity) this.allowance -= part.length;
      if (part === head.chunk) this.#queue.shift();
      else head.chunk = head.chunk.subarray(part.length);
      this.#queued -= part.length;
      if (!this.to.destroyed) this.to.write(part);
    }
    if (this.#queued <= HIGH_WATER && this.from.isPaused()) this.from.resume();
    if (this.#ended && this.#queue.length === 0 && !this.to.destroyed) this.to.end();
  }

  /** Drops what waits and everything read from now on. */
  drop(): void {
    this.dropping = true;
    this.#queue.length = 0;
    this.#queued = 0;
    clearTimeout(this.#timer);
    this.from.resume();
  }

  /** Back to forwarding (after a blackhole or a stall). */
  restore(): void {
    this.dropping = false;
    this.allowance = Infinity;
    this.#flush();
  }

  stall(afterBytes: number): void {
    this.allowance = afterBytes;
    this.#flush();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

interface Connection {
  readonly client: net.Socket;
  readonly server: net.Socket | undefined;
  readonly links: readonly Link[];
}

function applyFault(connection: Connection, fault: Fault): void {
  const sockets = [connection.client, connection.server].filter((socket) => socket !== undefined);
  switch (fault.kind) {
    case 'reset':
      for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
      return;
    case 'close':
      for (const link of connection.links) link.drop();
      for (const socket of sockets) socket.end(() => socket.destroy());
      return;
    case 'blackhole':
      for (const link of connection.links) link.drop();
      return;
    case 'stall':
      for (const link of connection.links) link.stall(fault.afterBytes);
      return;
    case 'none':
      for (const link of connection.links) link.restore();
      return;
  }
}

/**
 * Starts a proxy in front of `upstream`; see the module comment for what it does.
 *
 * @example
 * const proxy = await startFaultProxy({ listen: { host: '127.0.0.1' }, upstream: { host: '127.0.0.2', port: 2222 } });
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let shapes = { up: options.up ?? {}, down: options.down ?? {} };
  let current: Fault = { kind: 'none' };
  const open = new Set<Connection>();

  const accept = (client: net.Socket): void => {
    client.setNoDelay(true);
    client.on('error', () => client.destroy());
    if (current.kind === 'reset') return void client.resetAndDestroy();
    if (current.kind === 'close') return void client.end(() => client.destroy());
    if (current.kind === 'blackhole') {
      const connection: Connection = { client, server: undefined, links: [] };
      open.add(connection);
      client.resume();
      client.on('close', () => open.delete(connection));
      return;
    }
    const server = net.connect({ ...options.upstream, allowHalfOpen: true, noDelay: true });
    const links = [new Link(client, server, () => shapes.up), new Link(server, client, () => shapes.down)];
    const connection: Connection = { client, server, links };
    open.add(connection);
    if (current.kind === 'stall') applyFault(connection, current);
    server.on('error', () => {
      // Pass a refused or reset upstream on as a reset, as a router would.
      if (!client.destroyed) client.resetAndDestroy();
    });
    const closed = (): void => {
      if (client.destroyed && server.destroyed) {
        for (const link of links) link.stop();
        open.delete(connection);
      }
    };
    client.on('close', () => {
      server.destroy();
      closed();
    });
    // When the server ends, what is still delayed toward the client is delivered first (Link ends it after).
    server.on('close', closed);
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port ?? 0, options.listen.host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;

  return {
    host: options.listen.host,
    port: address.port,
    get connections() {
      return open.size;
    },
    get currentFault() {
      return current;
    },
    shape(next) {
      shapes = { up: next.up ?? shapes.up, down: next.down ?? shapes.down };
    },
    fault(fault) {
      current = fault;
      for (const connection of [...open]) applyFault(connection, fault);
    },
    close() {
      for (const connection of open) {
        for (const link of connection.links) link.stop();
        connection.client.destroy();
        connection.server?.destroy();
      }
      open.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
