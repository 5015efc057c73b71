import type Docker from 'dockerode';
import type { RunningCommand, SpawnRequest, Target } from '../target.js';
import { getDockerClient, resolveDockerEndpoint } from './client.js';
import { toDockerError } from './docker-errors.js';
import { AgentPool } from '../remote/agent-pool.js';
import { runOnWrapper } from '../remote/dedicated.js';
import { DockerTransport, type ExecContext } from './exec.js';
import type { NormalizedDockerOptions } from './options.js';
import { createThrowawayContainer, removeThrowawayContainer, type ThrowawayContainer } from './throwaway.js';

/** Agents per target; commands beyond them get an exec of their own. */
const MAX_AGENTS = 16;

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
  readonly #transport: DockerTransport;
  readonly #agents: AgentPool | undefined;
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
    const transport = new DockerTransport(this.#context);
    this.#transport = transport;
    this.#agents = options.session
      ? new AgentPool({
          target: options.id,
          open: (handlers, command) => transport.openAgent(handlers, command),
          maxAgents: () => MAX_AGENTS,
          overflow: (request) => runOnWrapper(transport, request),
          lineFor: (request) => ({ command: request.command, cwd: request.cwd ?? '', env: request.env }),
        })
      : undefined;
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
    const running =
      this.#agents && request.stdin === undefined && request.tty !== true
        ? this.#agents.spawn(request)
        : runOnWrapper(this.#transport, request);
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
    await this.#agents?.dispose();
    const throwaway = this.#throwaway;
    this.#throwaway = undefined;
    const created = await throwaway?.catch(() => undefined);
    if (!created) return;
    await removeThrowawayContainer(created.container);
    created.lifeline.destroy();
  }
}
