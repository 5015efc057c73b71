import { Writable } from 'node:stream';
import { SpawnError } from '../../errors.js';
import { AgentPool } from '../remote/agent-pool.js';
import type { AgentChannel, AgentHandlers } from '../remote/agent.js';
import { runOnWrapper, type WrapperExec, type WrapperTransport } from '../remote/dedicated.js';
import { rawTtyOutput, TTY_SETUP } from '../remote/tty.js';
import { AGENT_LAUNCH, buildKillScript, WRAPPER_SCRIPT } from '../remote/scripts.js';
import { flowOf, type RunningCommand, type SpawnRequest, type Target } from '../target.js';
import { openExecSession, type ExecLocation, type ExecRequest, type ExecSession } from './exec-session.js';
import { mapConnectError } from './map-error.js';
import { interpretExecEnd } from './outcome.js';

/** Agents per target; commands beyond them get an exec of their own. */
const MAX_AGENTS = 16;

/** Where a target's execs go, and whether its commands run through session agents. */
export interface KubernetesLocation extends ExecLocation {
  readonly session: boolean;
}

/** The stdin of an exec as a stream: frames with backpressure, then end-of-file (v5). */
function toWritable(session: ExecSession): Writable {
  return new Writable({
    write: (chunk: Buffer, _encoding, done) => void session.writeStdin(chunk).then(() => done()),
    final: (done) => {
      session.closeStdin();
      done();
    },
  });
}

/**
 * Runs commands in one container of a pod over the API server's exec WebSocket: through session agents,
 * or for commands with stdin, on an exec of their own. Kills of a command on its own exec go through a
 * second exec (closing the socket would leave it running); an agent takes kills on its control stream.
 */
export class KubernetesTarget implements Target, WrapperTransport {
  readonly id: string;
  readonly #location: KubernetesLocation;
  readonly #live = new Set<RunningCommand>();
  readonly #agents: AgentPool | undefined;
  readonly #sessions = new WeakMap<WrapperExec, ExecSession>();
  /** Learned from the first exec: whether the server speaks v5 and so can close stdin. */
  #canCloseStdin: Promise<boolean> | undefined;

  constructor(id: string, location: KubernetesLocation) {
    this.id = id;
    this.#location = location;
    this.#agents = location.session
      ? new AgentPool({
          target: id,
          open: (handlers, command) => this.#openAgent(handlers, command),
          maxAgents: () => MAX_AGENTS,
          overflow: (request) => runOnWrapper(this, request),
          lineFor: (request) => ({ command: request.command, cwd: request.cwd ?? '', env: request.env }),
        })
      : undefined;
  }

  #open(request: ExecRequest, command: string): Promise<ExecSession> {
    return openExecSession(this.#location, request).then(
      (session) => {
        this.#canCloseStdin ??= Promise.resolve(session.canCloseStdin);
        return session;
      },
      (error: unknown) => {
        throw mapConnectError(error, { target: this.id, command });
      },
    );
  }

  async #checkStdinSupport(command: string): Promise<void> {
    // Probing first keeps a command that reads stdin from starting on a server that cannot end its input.
    this.#canCloseStdin ??= this.#open(
      { argv: ['sh', '-c', ':'], stdin: false, onStdout: () => {}, onStderr: () => {} },
      command,
    )
      .then(async (session) => {
        await session.ended;
        return session.canCloseStdin;
      })
      .catch((error: unknown) => {
        this.#canCloseStdin = undefined;
        throw error;
      });
    if (await this.#canCloseStdin) return;
    throw new SpawnError(
      `Cannot send stdin to \`${command}\` in ${this.id}: the API server speaks only v4.channel.k8s.io or older, which cannot end a command's input (v5.channel.k8s.io needs Kubernetes 1.30 or later)`,
      { code: 'SPAWN_FAILED', target: this.id, command },
    );
  }

  async openWrapper(
    request: { readonly command: string; readonly stdin: boolean; readonly tty?: boolean },
    output: { readonly onStdout: (chunk: Buffer) => void; readonly onStderr: (chunk: Buffer) => void },
  ): Promise<WrapperExec> {
    const { command } = request;
    if (request.stdin) await this.#checkStdinSupport(command);
    // On a terminal, the wrapper's line goes only once the terminal no longer echoes (see TTY_SETUP).
    let ready = (): void => {};
    const settingUp = new Promise<void>((resolve) => (ready = resolve));
    const raw = request.tty ? rawTtyOutput(output.onStdout, ready) : undefined;
    const session = await this.#open(
      {
        argv: ['sh', '-c', raw ? TTY_SETUP + WRAPPER_SCRIPT : WRAPPER_SCRIPT],
        stdin: true,
        tty: raw !== undefined,
        onStdout: raw ? (chunk) => raw.push(chunk) : output.onStdout,
        onStderr: output.onStderr,
      },
      command,
    );
    const ended = session.ended.finally(() => {
      raw?.end();
      ready();
    });
    if (raw) await settingUp;
    const exec: WrapperExec = {
      stdin: toWritable(session),
      ended: ended.then((end) => interpretExecEnd(end, { target: this.id, command })),
      destroy: () => session.destroy(),
      ...flowOf(session),
    };
    this.#sessions.set(exec, session);
    return exec;
  }

  signalGroup(_exec: WrapperExec, pid: number, signal: NodeJS.Signals): void {
    this.#killGroup(pid, signal);
  }

  /** Signals a process group from a second exec. Never throws. */
  #killGroup(pid: number, signal: NodeJS.Signals): void {
    openExecSession(this.#location, {
      argv: ['sh', '-c', buildKillScript(pid, signal)],
      stdin: false,
      onStdout: () => {},
      onStderr: () => {},
    })
      .then((session) => session.ended)
      .catch(() => {
        // Best effort: the SIGKILL deadline reports a pod that cannot be reached.
      });
  }

  async #openAgent(handlers: AgentHandlers, command: string): Promise<AgentChannel> {
    const session = await this.#open(
      {
        argv: ['sh', '-c', AGENT_LAUNCH],
        stdin: true,
        onStdout: handlers.onStdout,
        onStderr: handlers.onStderr,
      },
      command,
    );
    void session.ended.then(handlers.onClose);
    session.setRef(false);
    return {
      write: (data) => void session.writeStdin(Buffer.from(data)),
      // Without v5's close message, closing the socket is how the agent's stdin ends.
      close: () => (session.canCloseStdin ? session.closeStdin() : session.destroy()),
      setBusy: (busy) => session.setRef(busy),
      killGroup: (pid) => this.#killGroup(pid, 'SIGKILL'),
      ...flowOf(session),
    };
  }

  spawn(request: SpawnRequest): RunningCommand {
    const command =
      this.#agents && request.stdin === undefined && request.tty !== true
        ? this.#agents.spawn(request)
        : runOnWrapper(this, request);
    this.#live.add(command);
    const forget = (): void => void this.#live.delete(command);
    command.exited.then(forget, forget);
    return command;
  }

  async dispose(): Promise<void> {
    const live = [...this.#live];
    for (const command of live) command.kill('SIGKILL');
    await Promise.allSettled(live.map((command) => command.exited));
    await this.#agents?.dispose();
  }
}
