import type Docker from 'dockerode';
import type { RunningCommand, SpawnRequest, Target } from '../target.js';
import { getDockerClient, resolveDockerEndpoint } from './client.js';
import { toDockerError } from './docker-errors.js';
import { runDockerExec, type ExecContext } from './exec.js';
import type { NormalizedDockerOptions } from './options.js';
import { createThrowawayContainer, removeThrowawayContainer, type ThrowawayContainer } from './throwaway.js';

/**
 * Runs commands in one Docker container through the Engine API, or in a throwaway container started from
 * an image on first use and removed by `dispose()`. Made by `createDockerTarget`.
 *
 * @example
 * const target = new DockerTarget(normalizeDockerOptions('docker://app'));
 */
export class DockerTarget implements Target {
  readonly id: string;
  readonly #options: NormalizedDockerOptions;
  readonly #client: Docker;
  readonly #context: ExecContext;
  readonly #running = new Set<RunningCommand>();
  #throwaway: Promise<ThrowawayContainer> | undefined;

  constructor(options: NormalizedDockerOptions) {
    this.id = options.id;
    this.#options = options;
    const endpoint = resolveDockerEndpoint(options.socketPath);
    this.#client = getDockerClient(endpoint);
    this.#context = {
      target: options.id,
      container: options.container,
      daemon: endpoint.description,
      user: options.user,
      workdir: options.workdir,
      env: options.env,
      resolveContainer: () => this.#resolveContainer(),
    };
  }

  #resolveContainer(): Promise<Docker.Container> {
    const { image, container } = this.#options;
    if (image === undefined) return Promise.resolve(this.#client.getContainer(container));
    this.#throwaway ??= createThrowawayContainer(this.#client, image, container).catch((error: unknown) => {
      this.#throwaway = undefined;
      throw toDockerError(error, { ...this.#context, command: undefined });
    });
    return this.#throwaway.then(({ container }) => container);
  }

  /** The container commands run in (created first for a throwaway target), for the archive API. */
  container(): Promise<Docker.Container> {
    return this.#resolveContainer();
  }

  spawn(request: SpawnRequest): RunningCommand {
    const running = runDockerExec(this.#context, request);
    this.#running.add(running);
    const forget = (): void => void this.#running.delete(running);
    running.exited.then(forget, forget);
    return running;
  }

  /** Kills what still runs and, for a throwaway target, removes its container. */
  async dispose(): Promise<void> {
    const running = [...this.#running];
    for (const command of running) command.kill('SIGKILL');
    await Promise.allSettled(running.map((command) => command.exited));
    const throwaway = this.#throwaway;
    this.#throwaway = undefined;
    const created = await throwaway?.catch(() => undefined);
    if (!created) return;
    await removeThrowawayContainer(created.container);
    created.lifeline.destroy();
  }
}
