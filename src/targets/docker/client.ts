import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { lazyRequire } from '../../internal/lazy-require.js';

const loadDockerode = lazyRequire<typeof Docker>('dockerode');

/** The daemon a client speaks to, in the words used by errors: a socket path or a DOCKER_HOST URL. */
export interface DockerEndpoint {
  readonly key: string;
  readonly description: string;
  readonly socketPath: string | undefined;
}

const clients = new Map<string, Docker>();

function defaultSocket(): string {
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

/**
 * Where commands go: the given socket; else `DOCKER_HOST` (read by dockerode itself, with its TLS and SSH
 * variables); else the default socket.
 *
 * @example
 * resolveDockerEndpoint(undefined); // { socketPath: '/var/run/docker.sock', … }
 */
export function resolveDockerEndpoint(socketPath: string | undefined): DockerEndpoint {
  const host = process.env.DOCKER_HOST;
  if (socketPath === undefined && host && !host.startsWith('unix://')) {
    return { key: `host:${host}`, description: host, socketPath: undefined };
  }
  const path = socketPath ?? (host?.slice('unix://'.length) || defaultSocket());
  return { key: `unix:${path}`, description: path, socketPath: path };
}

/**
 * One dockerode client per daemon, shared by every Docker target that speaks to it.
 *
 * @example
 * const docker = getDockerClient(resolveDockerEndpoint(options.socketPath));
 */
export function getDockerClient(endpoint: DockerEndpoint): Docker {
  let client = clients.get(endpoint.key);
  if (!client) {
    client =
      endpoint.socketPath === undefined
        ? new (loadDockerode())()
        : new (loadDockerode())({ socketPath: endpoint.socketPath });
    clients.set(endpoint.key, client);
  }
  return client;
}
