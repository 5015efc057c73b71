import { connect, createServer, type Server, type Socket } from 'node:net';

/** A unix socket that forwards to the Docker daemon's, and can drop every connection on demand. */
export interface DockerSocketProxy {
  readonly socketPath: string;
  /** Destroys every open connection, as a daemon restart or a network cut would. */
  dropConnections(): void;
  /** While on, new connections are dropped as soon as they open: the daemon is out of reach. */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

/** Starts a proxy at `socketPath` in front of the daemon socket `upstream`. */
export async function startDockerSocketProxy(
  socketPath: string,
  upstream: string,
): Promise<DockerSocketProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  // Half-open both ways: an exec whose stdin ended still sends its output back.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    if (refusing) return void client.destroy();
    const daemon = connect({ path: upstream, allowHalfOpen: true });
    for (const socket of [client, daemon]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(daemon).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    dropConnections() {
      for (const socket of open) socket.destroy();
    },
    refuse(on) {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
