import { Readable, Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
// Not re-exported by the package index; the package has no `exports` map and the version is pinned. Used
// instead of `Exec` so that stdin end-of-file does not close the socket (v4) and close messages do not
// reach `process.stdout`.
import type { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { loadWebSocketHandler } from './client.js';
import { FanoutError } from '../../errors.js';
import {
  Channel,
  PROTOCOL_WITH_CLOSE,
  encodeClose,
  encodeFrames,
  parseExecStatus,
  type ExecOutcome,
} from './protocol.js';
import { setLongTimeout } from '../../internal/timer.js';

/** A container to exec in, and the kubeconfig (current context selected) that reaches it. */
export interface ExecLocation {
  readonly config: KubeConfig;
  readonly namespace: string;
  readonly pod: string;
  /** Undefined: the pod's default container. */
  readonly container: string | undefined;
  /** How long opening the socket may take before it fails with CONNECT_TIMEOUT. */
  readonly connectTimeoutMs: number;
}

/** What one exec is asked to do. */
export interface ExecRequest {
  readonly argv: readonly string[];
  /** Whether the command gets a stdin channel; without one it reads end-of-file at once. */
  readonly stdin: boolean;
  /** Runs the command on a terminal: one output stream, stderr included (the API refuses both). */
  readonly tty?: boolean;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
}

/** How the socket ended: after a status (readable or not), or without one. */
export type ExecEnd =
  | { readonly kind: 'status'; readonly outcome: ExecOutcome | undefined; readonly text: string }
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string };

type Socket = Awaited<ReturnType<WebSocketHandler['connect']>>;

/** An open exec WebSocket. */
export interface ExecSession {
  /** The subprotocol the server chose, e.g. `v5.channel.k8s.io`. */
  readonly protocol: string;
  /** Whether {@link ExecSession.closeStdin} can send end-of-file (v5) on this socket. */
  readonly canCloseStdin: boolean;
  /** Settles when the socket has closed, after every output message was handed to the callbacks. */
  readonly ended: Promise<ExecEnd>;
  /** Sends stdin data; resolves once the socket has taken it (backpressure for streams). */
  writeStdin(data: Buffer): Promise<void>;
  /** Sends end-of-file on stdin (v5 only). */
  closeStdin(): void;
  /** Closes the socket at once. The command may keep running in the pod: kill it first. */
  destroy(): void;
  /** Whether the socket keeps the event loop alive. */
  setRef(ref: boolean): void;
  /** Stops reading the socket (TCP then holds the server back) until `resume`. */
  pause(): void;
  resume(): void;
}

/** The client routes v5 close messages to these; fanout's own handling is in the binary callback. */
function createInertStreams() {
  return {
    stdin: new Readable({ read() {} }),
    stdout: new Writable({ write: (_chunk, _encoding, done) => done() }),
    stderr: new Writable({ write: (_chunk, _encoding, done) => done() }),
  };
}

/**
 * Rejects with a CONNECT_TIMEOUT FanoutError when the socket has not opened in time; a socket that opens
 * later is closed at once.
 */
function withTimeout(connecting: Promise<Socket>, ms: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    let late = false;
    const timer = setLongTimeout(() => {
      late = true;
      reject(new FanoutError(`the exec WebSocket did not open within ${ms} ms`, { code: 'CONNECT_TIMEOUT' }));
    }, ms);
    connecting.then(
      (socket) => {
        timer.clear();
        if (late) socket.terminate();
        else resolve(socket);
      },
      (error: unknown) => {
        timer.clear();
        reject(error);
      },
    );
  });
}

function buildPath(location: ExecLocation, request: ExecRequest): string {
  const query = new URLSearchParams({
    stdout: 'true',
    stderr: String(request.tty !== true),
    stdin: String(request.stdin),
    tty: String(request.tty === true),
  });
  if (location.container !== undefined) query.set('container', location.container);
  for (const arg of request.argv) query.append('command', arg);
  const namespace = encodeURIComponent(location.namespace);
  return `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(location.pod)}/exec?${query}`;
}

/**
 * Opens an exec WebSocket through `@kubernetes/client-node` (which applies the kubeconfig's TLS and
 * credentials) and decodes its channels. Rejects with the client's error when the socket cannot open.
 *
 * @example
 * const session = await openExecSession(location, { argv: ['id'], stdin: false, onStdout, onStderr });
 * const end = await session.ended;
 */
export async function openExecSession(location: ExecLocation, request: ExecRequest): Promise<ExecSession> {
  const handler = new (loadWebSocketHandler())(location.config, undefined, createInertStreams());
  let statusText: string | undefined;
  const onMessage = (channel: number, data: Buffer): boolean => {
    if (statusText !== undefined) return true;
    if (channel === Channel.stdout) request.onStdout(data);
    else if (channel === Channel.stderr) request.onStderr(data);
    else if (channel === Channel.status) {
      statusText = data.toString('utf8');
      // False asks the client to close the socket: the status is the last message.
      return false;
    }
    return true;
  };
  const open: Socket = await withTimeout(
    handler.connect(buildPath(location, request), null, onMessage),
    location.connectTimeoutMs,
  );
  const ended = new Promise<ExecEnd>((resolve) => {
    open.on('close', (code: number, reason: Buffer) => {
      if (statusText === undefined) resolve({ kind: 'closed', code, reason: reason.toString('utf8') });
      else resolve({ kind: 'status', outcome: parseExecStatus(statusText), text: statusText });
    });
    // After the socket opened, an error is always followed by close.
    open.on('error', () => {});
  });
  const sendable = (): boolean => open.readyState === open.OPEN;
  return {
    protocol: open.protocol,
    canCloseStdin: open.protocol === PROTOCOL_WITH_CLOSE,
    ended,
    writeStdin: async (data) => {
      for (const frame of encodeFrames(Channel.stdin, data)) {
        if (!sendable()) return;
        await new Promise<void>((resolve) => open.send(frame, () => resolve()));
      }
    },
    closeStdin: () => {
      if (sendable()) open.send(encodeClose(Channel.stdin));
    },
    destroy: () => open.terminate(),
    pause: () => open.pause(),
    resume: () => open.resume(),
    setRef: (ref) => {
      const socket = (open as unknown as { _socket?: { ref(): void; unref(): void } })._socket;
      if (ref) socket?.ref();
      else socket?.unref();
    },
  };
}
