import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { ConnectionError, SpawnError } from '../../../src/errors.js';
import { createDockerTarget } from '../../../src/targets/docker/index.js';
import { dockerClient, removeContainers, startContainers } from '../../support/docker.js';
import { startDockerSocketProxy } from '../../support/docker-proxy.js';

const { containers, socketPath } = inject('docker');
const running = containers[2] ?? '';
const stopped: string[] = [];
let scratch = '';

beforeAll(async () => {
  stopped.push(...(await startContainers(1, `fanout-test-stopped-${process.pid}`, socketPath)));
  await dockerClient(socketPath)
    .getContainer(stopped[0] ?? '')
    .stop({ t: 0 });
  scratch = await mkdtemp(join(tmpdir(), 'fanout-docker-'));
});

afterAll(async () => {
  await removeContainers(stopped, socketPath);
  await rm(scratch, { recursive: true, force: true });
});

afterEach(() => vi.unstubAllEnvs());

describe('Docker target: errors name the container and the command', () => {
  it('a missing container is TARGET_NOT_FOUND', async () => {
    const error = await $.docker('fanout-no-such-container')`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({
      code: 'TARGET_NOT_FOUND',
      target: 'docker://fanout-no-such-container',
      command: 'true',
    });
  });

  it('a stopped container is TARGET_UNAVAILABLE', async () => {
    const name = stopped[0] ?? '';
    const error = await $.docker(name)`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'TARGET_UNAVAILABLE', target: `docker://${name}`, command: 'true' });
  });

  it('a daemon socket that does not exist is TARGET_UNAVAILABLE', async () => {
    const error = await $.docker({
      container: running,
      socketPath: join(scratch, 'absent.sock'),
    })`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({
      code: 'TARGET_UNAVAILABLE',
      target: `docker://${running}`,
      command: 'true',
    });
  });

  it('DOCKER_HOST naming a socket nobody listens on is TARGET_UNAVAILABLE', async () => {
    const path = join(scratch, 'dead.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    // Leave the socket file behind with nobody listening: connecting is refused.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    vi.stubEnv('DOCKER_HOST', `unix://${path}`);
    const error = await $.docker(running)`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'TARGET_UNAVAILABLE', target: `docker://${running}` });
  });

  it('a connection dropped while a command runs is a ConnectionError, never an exit code', async () => {
    const proxy = await startDockerSocketProxy(join(scratch, 'proxy.sock'), socketPath);
    try {
      const target = createDockerTarget({ container: running, socketPath: proxy.socketPath });
      const command = 'echo started; sleep 6';
      const exited = new Promise((resolve) => {
        const started = target.spawn({
          command,
          cwd: undefined,
          env: {},
          stdin: undefined,
          onStdout: () => proxy.dropConnections(),
          onStderr: () => {},
        });
        started.exited.then(resolve, resolve);
      });
      const error = await exited;
      expect(error).toBeInstanceOf(ConnectionError);
      // A cut on a frame boundary looks like a clean end: then the daemon still reports the command running.
      expect(error).toMatchObject({ target: `docker://${running}`, command });
      expect(['CONNECTION_LOST', 'NO_EXIT_STATUS']).toContain((error as ConnectionError).code);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    ['a missing working directory', { cwd: '/no/such/dir' }, undefined],
    ['an unknown user', {}, 'no-such-user'],
  ])('%s is SPAWN_FAILED', async (_, options, user) => {
    const shell = $.docker(user === undefined ? running : { container: running, user })(options);
    const error = await shell`true`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED', target: `docker://${running}`, command: 'true' });
  });
});
