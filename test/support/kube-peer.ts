/**
 * A local stand-in for the API server's pod exec endpoint, NOT a cluster: an HTTPS server on 127.0.0.1
 * (a self-signed certificate made with `openssl` at start-up)
 * that speaks the `v4`/`v5.channel.k8s.io` WebSocket channel protocol and runs each requested argv as a
 * real local process (its own process group, as runc makes each exec a session leader). Exit codes,
 * output, stdin and kills are therefore real; pods, containers, RBAC and the kubelet are not.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** How a pod of the peer behaves. */
export interface PeerPod {
  readonly containers: readonly string[];
  /**
   * `drop-status`: close the socket after the output, with no status. `garbled-status`: send nonsense.
   * `unkillable`: refuse (503) every exec after the first, so that kill execs cannot get through.
   */
  readonly mode?: 'normal' | 'drop-status' | 'garbled-status' | 'unkillable';
}

export interface KubePeerOptions {
  /** Pods by `namespace/name`. */
  readonly pods: Readonly<Record<string, PeerPod>>;
  /** Subprotocols the peer accepts. Default: v5 and v4. */
  readonly protocols?: readonly string[];
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/** One exec the peer accepted or refused. */
export interface PeerExec {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string | null;
  readonly argv: readonly string[];
  readonly stdin: boolean;
  readonly tty: boolean;
  readonly protocol: string;
  /** The local process (and process group) id, once started. */
  pid: number | undefined;
}

export interface KubePeer {
  /** `https://127.0.0.1:<port>`, for a kubeconfig's `server`. */
  readonly url: string;
  /** The peer's self-signed certificate (PEM), for a kubeconfig's `certificate-authority-data`. */
  readonly ca: string;
  readonly execs: PeerExec[];
  close(): Promise<void>;
}

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;

function statusFor(code: number | null, signal: NodeJS.Signals | null): object {
  const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A throwaway self-signed certificate for 127.0.0.1. */
function createCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-kube-peer-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=fanout-kube-peer',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Which HTTP status refuses the upgrade, if any. */
function refusal(options: KubePeerOptions, request: IncomingMessage, url: URL): number | undefined {
  if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) return 401;
  const match = EXEC_PATH.exec(url.pathname);
  if (!match) return 404;
  const pod = options.pods[`${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}`];
  if (!pod) return 404;
  const container = url.searchParams.get('container');
  if (container !== null && !pod.containers.includes(container)) return 400;
  if (pod.mode === 'unkillable' && (pod as { used?: boolean }).used) return 503;
  if (pod.mode === 'unkillable') (pod as { used?: boolean }).used = true;
  return undefined;
}

function send(socket: WebSocket, channel: number, data: Buffer): void {
  if (socket.readyState === socket.OPEN) socket.send(Buffer.concat([Buffer.of(channel), data]));
}

/** Past this many bytes queued on the socket, the peer stops reading a command's output. */
const HIGH_WATER = 1024 * 1024;

/**
 * Sends what `output` gives on `channel`, reading no faster than the client takes it (as the API server's
 * stream does): a client that stops reading holds the command back instead of filling the peer's memory.
 */
function forward(socket: WebSocket, channel: number, output: Readable): void {
  output.on('data', (chunk: Buffer) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(Buffer.concat([Buffer.of(channel), chunk]), () => {
      if (output.isPaused() && socket.bufferedAmount < HIGH_WATER) output.resume();
    });
    if (socket.bufferedAmount >= HIGH_WATER) output.pause();
  });
  // Once the socket is gone, output is dropped: never leave the command blocked on a full pipe.
  socket.once('close', () => output.resume());
}

function runExec(socket: WebSocket, exec: PeerExec, pod: PeerPod): void {
  let child: ChildProcess;
  try {
    // With tty, util-linux `script` gives the command a pseudo-terminal, as the kubelet's runtime would.
    const argv = exec.tty
      ? [
          'script',
          '-qfec',
          exec.argv.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' '),
          '/dev/null',
        ]
      : exec.argv;
    child = spawn(argv[0] ?? '', argv.slice(1), {
      detached: true,
      stdio: [exec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    send(
      socket,
      3,
      Buffer.from(JSON.stringify({ status: 'Failure', reason: 'InternalError', message: String(error) })),
    );
    socket.close(1000);
    return;
  }
  exec.pid = child.pid;
  if (child.stdout) forward(socket, 1, child.stdout);
  if (child.stderr) forward(socket, 2, child.stderr);
  child.stdin?.on('error', () => {});
  socket.on('message', (data: Buffer) => {
    if (data[0] === 0) child.stdin?.write(data.subarray(1));
    else if (data[0] === 255 && data[1] === 0 && exec.protocol === 'v5.channel.k8s.io') child.stdin?.end();
  });
  // Like the API server: a client that goes away ends the command's input, not the command.
  socket.on('close', () => child.stdin?.end());
  child.on('error', (error) => {
    const message = `exec failed: ${error.message}`;
    send(socket, 3, Buffer.from(JSON.stringify({ status: 'Failure', reason: 'InternalError', message })));
    socket.close(1000);
  });
  child.on('close', (code, signal) => {
    if (pod.mode === 'drop-status') return socket.terminate();
    const status = pod.mode === 'garbled-status' ? 'not json' : JSON.stringify(statusFor(code, signal));
    send(socket, 3, Buffer.from(status));
    socket.close(1000);
  });
}

/**
 * Starts the peer on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * const peer = await startKubePeer({ pods: { 'default/web': { containers: ['app'] } } });
 */
export async function startKubePeer(options: KubePeerOptions): Promise<KubePeer> {
  const accepted = options.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
  const execs: PeerExec[] = [];
  const { key, cert } = createCertificate();
  const server: Server = createServer({ key, cert }, (_request, response) => response.writeHead(404).end());
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((protocol) => accepted.includes(protocol)) ?? false,
  });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://peer');
    const refused = refusal(options, request, url);
    if (refused !== undefined) {
      socket.end(
        `HTTP/1.1 ${refused} Refused\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const [, namespace = '', pod = ''] = EXEC_PATH.exec(url.pathname) ?? [];
      const exec: PeerExec = {
        namespace: decodeURIComponent(namespace),
        pod: decodeURIComponent(pod),
        container: url.searchParams.get('container'),
        argv: url.searchParams.getAll('command'),
        stdin: url.searchParams.get('stdin') === 'true',
        tty: url.searchParams.get('tty') === 'true',
        protocol: ws.protocol,
        pid: undefined,
      };
      execs.push(exec);
      runExec(ws, exec, options.pods[`${exec.namespace}/${exec.pod}`] ?? { containers: [] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: cert,
    execs,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
