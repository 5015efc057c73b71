import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../support/fault-proxy.js';

/** A server on loopback that sends back every byte it gets, and ends when its client ends. */
let echo: net.Server;
let echoPort: number;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  echo = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await new Promise((resolve) => echo.close(resolve));
});

async function proxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const started = await startFaultProxy({
    listen: { host: '127.0.0.1' },
    upstream: { host: '127.0.0.1', port: echoPort },
    ...options,
  });
  proxies.push(started);
  return started;
}

/** A client connection that records what it receives and how it ended. */
function connect(through: FaultProxy) {
  const socket = net.connect({ host: through.host, port: through.port, noDelay: true });
  const received: Buffer[] = [];
  const state = { bytes: 0, ended: false, error: undefined as string | undefined, closed: false };
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    state.bytes += chunk.length;
  });
  socket.on('end', () => (state.ended = true));
  socket.on('error', (error: NodeJS.ErrnoException) => (state.error = error.code));
  socket.on('close', () => (state.closed = true));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, state, connected, received: () => Buffer.concat(received) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** Milliseconds from writing one byte to getting it back. */
async function roundTrip(through: FaultProxy): Promise<number> {
  const client = connect(through);
  await client.connected;
  const start = performance.now();
  client.socket.write('x');
  await until(() => client.state.bytes === 1);
  const elapsed = performance.now() - start;
  client.socket.destroy();
  return elapsed;
}

describe('the fault proxy', { timeout: 30_000 }, () => {
  it('delays each direction by its own delay', async () => {
    const shaped = await proxy({ up: { delayMs: 150 }, down: { delayMs: 100 } });
    const elapsed = await roundTrip(shaped);
    expect(elapsed).toBeGreaterThanOrEqual(245);
    expect(elapsed).toBeLessThan(2000);
    shaped.shape({ up: { delayMs: 0 }, down: { delayMs: 0 } });
    expect(await roundTrip(shaped)).toBeLessThan(elapsed - 150);
  });

  it('keeps every byte exact and in order under jitter', async () => {
    const shaped = await proxy({ up: { delayMs: 5, jitterMs: 5 }, down: { delayMs: 5, jitterMs: 5 } });
    const client = connect(shaped);
    await client.connected;
    const sent = randomBytes(2 * 1024 * 1024);
    for (let offset = 0; offset < sent.length;) {
      const size = 1 + Math.floor(Math.random() * 8192);
      client.socket.write(sent.subarray(offset, offset + size));
      offset += size;
      if (offset % 16 === 0) await sleep(1);
    }
    client.socket.end();
    await until(() => client.state.ended, 20_000);
    const digest = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
    expect(client.state.bytes).toBe(sent.length);
    expect(digest(client.received())).toBe(digest(sent));
  });

  it('caps the bandwidth of a direction', async () => {
    const shaped = await proxy({ down: { bytesPerSecond: 200_000 } });
    const client = connect(shaped);
    await client.connected;
    const start = performance.now();
    client.socket.write(Buffer.alloc(100_000, 7));
    await until(() => client.state.bytes === 100_000, 10_000);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5000);
    client.socket.destroy();
  });

  it('blackholes open and new connections, then forwards again when cleared', async () => {
    const faulty = await proxy();
    const open = connect(faulty);
    await open.connected;
    open.socket.write('a');
    await until(() => open.state.bytes === 1);
    faulty.fault({ kind: 'blackhole' });
    open.socket.write('b');
    const fresh = connect(faulty);
    await fresh.connected;
    fresh.socket.write('c');
    await sleep(500);
    expect([open.state.bytes, fresh.state.bytes]).toEqual([1, 0]);
    expect([open.state.closed, fresh.state.closed]).toEqual([false, false]);
    expect(faulty.connections).toBe(2);
    faulty.fault({ kind: 'none' });
    expect(await roundTrip(faulty)).toBeLessThan(1000);
    open.socket.destroy();
    fresh.socket.destroy();
  });

  it('resets open and new connections', async () => {
    const faulty = await proxy();
    const open = connect(faulty);
    await open.connected;
    faulty.fault({ kind: 'reset' });
    await until(() => open.state.closed);
    expect(open.state.error).toBe('ECONNRESET');
    const fresh = connect(faulty);
    await until(() => fresh.state.closed);
    expect(fresh.state.error).toBe('ECONNRESET');
    expect(fresh.state.bytes).toBe(0);
  });

  it('closes open and new connections cleanly', async () => {
    const faulty = await proxy();
    const open = connect(faulty);
    await open.connected;
    faulty.fault({ kind: 'close' });
    await until(() => open.state.ended);
    expect(open.state.error).toBeUndefined();
    const fresh = connect(faulty);
    await until(() => fresh.state.ended);
    expect([fresh.state.error, fresh.state.bytes]).toEqual([undefined, 0]);
    open.socket.destroy();
    fresh.socket.destroy();
  });

  it('stalls a connection after the given number of bytes, keeping it open', async () => {
    const faulty = await proxy();
    const open = connect(faulty);
    await open.connected;
    faulty.fault({ kind: 'stall', afterBytes: 1000 });
    open.socket.write(Buffer.alloc(5000, 1));
    await until(() => open.state.bytes === 1000);
    await sleep(300);
    expect(open.state.bytes).toBe(1000);
    expect(open.state.closed).toBe(false);
    faulty.fault({ kind: 'none' });
    await until(() => open.state.bytes === 5000);
    open.socket.destroy();
  });

  it('resets the client when the server refuses', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const orphan = await proxy({ upstream: { host: '127.0.0.1', port } });
    const client = connect(orphan);
    await until(() => client.state.closed);
    expect(client.state.error).toBe('ECONNRESET');
  });
});
