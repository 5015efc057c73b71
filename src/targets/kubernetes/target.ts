import { SpawnError } from '../../errors.js';
import type { RunningCommand, SpawnRequest, Target } from '../target.js';
import { openExecSession, type ExecLocation, type ExecRequest, type ExecSession } from './exec-session.js';
import { mapConnectError } from './map-error.js';
import { KubernetesCommand, type ExecHost } from './running-command.js';

/**
 * Runs commands in one container of a pod over the API server's exec WebSocket. Each command is a
 * `sh -c` wrapper that reports its process group, so that a kill reaches the command in the pod (closing
 * the socket would leave it running).
 */
export class KubernetesTarget implements Target, ExecHost {
  readonly id: string;
  readonly #location: ExecLocation;
  readonly #live = new Set<KubernetesCommand>();
  /** Learned from the first exec: whether the server speaks v5 and so can close stdin. */
  #canCloseStdin: Promise<boolean> | undefined;

  constructor(id: string, location: ExecLocation) {
    this.id = id;
    this.#location = location;
  }

  open(request: ExecRequest): Promise<ExecSession> {
    return openExecSession(this.#location, request).then((session) => {
      this.#canCloseStdin ??= Promise.resolve(session.canCloseStdin);
      return session;
    });
  }

  async checkStdinSupport(command: string): Promise<void> {
    // Probing first keeps a command that reads stdin from starting on a server that cannot end its input.
    this.#canCloseStdin ??= this.open({
      argv: ['sh', '-c', ':'],
      stdin: false,
      onStdout: () => {},
      onStderr: () => {},
    })
      .then(async (session) => {
        await session.ended;
        return session.canCloseStdin;
      })
      .catch((error: unknown) => {
        this.#canCloseStdin = undefined;
        throw mapConnectError(error, { target: this.id, command });
      });
    if (await this.#canCloseStdin) return;
    throw new SpawnError(
      `Cannot send stdin to \`${command}\` in ${this.id}: the API server speaks only v4.channel.k8s.io or older, which cannot end a command's input (v5.channel.k8s.io needs Kubernetes 1.30 or later)`,
      { code: 'SPAWN_FAILED', target: this.id, command },
    );
  }

  spawn(request: SpawnRequest): RunningCommand {
    const command = new KubernetesCommand(this, request);
    this.#live.add(command);
    command.exited.then(
      () => this.#live.delete(command),
      () => this.#live.delete(command),
    );
    return command;
  }

  async dispose(): Promise<void> {
    const live = [...this.#live];
    for (const command of live) command.kill('SIGKILL');
    await Promise.allSettled(live.map((command) => command.exited));
  }
}
