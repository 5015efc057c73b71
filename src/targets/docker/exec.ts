import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { AgentChannel, AgentHandlers } from '../remote/agent.js';
import type { WrapperExec, WrapperTransport } from '../remote/dedicated.js';
import { AGENT_LAUNCH, buildKillScript, WRAPPER_SCRIPT } from '../remote/scripts.js';
import { ConnectionError } from '../../errors.js';
import { toDockerError, type DockerErrorContext } from './docker-errors.js';
import { waitForExitCode } from './exit-status.js';
import { FrameDecoder } from './frame-decoder.js';
import { rawTtyOutput, TTY_SETUP } from '../remote/tty.js';
import { flowOf } from '../target.js';

/** Where and how a target runs its execs. */
export interface ExecContext extends Omit<DockerErrorContext, 'command'> {
  readonly user: string | undefined;
  readonly workdir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** The container, created first for a throwaway target. */
  readonly resolveContainer: () => Promise<Docker.Container>;
}

interface OpenExec {
  readonly exec: Docker.Exec;
  readonly container: Docker.Container;
  readonly stream: Duplex;
  /** Settles once the stream has ended and every byte was handed on; rejects when it broke off. */
  readonly drained: Promise<void>;
  /** With a terminal: settles once it is set up (or the exec ended first), so input is not echoed. */
  readonly ready: Promise<void>;
}

/**
 * Starts `sh -c script` in the container with stdin attached (the script reads its commands there) and
 * demultiplexes its output. Only the target's own env, workdir and user go to the Engine API. With `tty`,
 * the exec runs on a terminal: its output is one raw stream (stderr included), handed to `onStdout`.
 */
async function openExec(
  context: ExecContext,
  script: string,
  output: { readonly onStdout: (chunk: Buffer) => void; readonly onStderr: (chunk: Buffer) => void },
  tty = false,
): Promise<OpenExec> {
  const container = await context.resolveContainer();
  const { user, workdir } = context;
  const exec = await container.exec({
    Cmd: ['sh', '-c', tty ? TTY_SETUP + script : script],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    Env: Object.entries(context.env).map(([name, value]) => `${name}=${value}`),
    ...(workdir === undefined ? {} : { WorkingDir: workdir }),
    ...(user === undefined ? {} : { User: user }),
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: tty })) as Duplex;
  let ready: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const decoder = tty
    ? rawTtyOutput(output.onStdout, ready)
    : new FrameDecoder((kind, bytes) => {
        if (kind === 'stdout') output.onStdout(bytes);
        else if (kind === 'stderr') output.onStderr(bytes);
      });
  if (!tty) ready();
  const drained = new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (error) {
        reject(error);
        stream.destroy();
      }
    });
    stream.once('end', () => {
      try {
        decoder.end();
        resolve();
      } catch (error) {
        reject(error);
      }
    });
    stream.once('error', reject);
    stream.once('close', () => reject(new Error('the stream closed before its end')));
  });
  drained.then(ready, ready);
  return { exec, container, stream, drained, ready: readyPromise };
}

/**
 * Docker's part of running commands: execs of the wrapper or the agent through the Engine API, exit codes
 * from inspect once the output has ended, and kills from a second exec (the API cannot signal an exec).
 *
 * @example
 * const transport = new DockerTransport(context);
 * runOnWrapper(transport, request);
 */
export class DockerTransport implements WrapperTransport {
  readonly id: string;
  readonly #context: ExecContext;
  readonly #containers = new WeakMap<WrapperExec, Docker.Container>();

  constructor(context: ExecContext) {
    this.id = context.target;
    this.#context = context;
  }

  #error(error: unknown, command: string) {
    return toDockerError(error, { ...this.#context, command });
  }

  async openWrapper(
    { command, tty }: { readonly command: string; readonly tty?: boolean },
    output: { readonly onStdout: (chunk: Buffer) => void; readonly onStderr: (chunk: Buffer) => void },
  ): Promise<WrapperExec> {
    const opened = await openExec(this.#context, WRAPPER_SCRIPT, output, tty === true).catch(
      (error: unknown) => {
        throw this.#error(error, command);
      },
    );
    await opened.ready;
    const { exec, stream, drained } = opened;
    const lost = (code: 'CONNECTION_LOST' | 'NO_EXIT_STATUS', message: string, cause?: unknown) =>
      new ConnectionError(`${message} on ${this.id}: ${command}`, { code, target: this.id, command, cause });
    const ended = drained.then(
      async () => {
        const exitCode = await waitForExitCode(() => exec.inspect()).catch((error: unknown) => {
          throw this.#error(error, command);
        });
        if (exitCode === undefined)
          throw lost('NO_EXIT_STATUS', 'Docker exec output ended but the daemon reports no exit code');
        return { exitCode, signal: null };
      },
      (error: unknown) => {
        throw lost('CONNECTION_LOST', 'Lost the Docker exec stream', error);
      },
    );
    const wrapper: WrapperExec = {
      stdin: stream,
      ended,
      destroy: () => stream.destroy(),
      ...flowOf(stream),
    };
    this.#containers.set(wrapper, opened.container);
    return wrapper;
  }

  signalGroup(exec: WrapperExec, pid: number, signal: NodeJS.Signals): void {
    const container = this.#containers.get(exec);
    if (container) void this.#kill(container, pid, signal);
  }

  /**
   * A second exec that reads its stdin until `done`: dockerd closes that stdin when this process is gone,
   * and the exec then kills the command's group.
   */
  guardGroup(exec: WrapperExec, pid: number): () => void {
    const container = this.#containers.get(exec);
    if (!container) return () => {};
    const script = `IFS= read -r l; [ "$l" = done ] && exit 0; ${buildKillScript(pid, 'SIGKILL')}`;
    const guard = openExec({ ...this.#context, resolveContainer: () => Promise.resolve(container) }, script, {
      onStdout: () => {},
      onStderr: () => {},
    }).then(
      ({ stream, drained }) => {
        drained.catch(() => {});
        stream.on('error', () => {});
        (stream as unknown as { unref?: () => void }).unref?.();
        return stream;
      },
      () => undefined,
    );
    return () => void guard.then((stream) => stream?.end('done\n'));
  }

  /** Opens a session agent's exec. */
  async openAgent(handlers: AgentHandlers, command: string): Promise<AgentChannel> {
    const { stream, drained, container } = await openExec(this.#context, AGENT_LAUNCH, handlers).catch(
      (error: unknown) => {
        throw this.#error(error, command);
      },
    );
    stream.on('error', () => {});
    drained.then(handlers.onClose, handlers.onClose);
    const socket = stream as unknown as { ref?: () => void; unref?: () => void };
    socket.unref?.();
    return {
      write: (data) => void stream.write(data),
      close: () => stream.end(),
      setBusy: (busy) => (busy ? socket.ref?.() : socket.unref?.()),
      killGroup: (pid) => void this.#kill(container, pid, 'SIGKILL'),
      ...flowOf(stream),
    };
  }

  async #kill(container: Docker.Container, pid: number, signal: NodeJS.Signals): Promise<void> {
    try {
      const { user } = this.#context;
      const exec = await container.exec({
        Cmd: ['sh', '-c', buildKillScript(pid, signal)],
        AttachStdout: false,
        AttachStderr: false,
        Tty: false,
        ...(user === undefined ? {} : { User: user }),
      });
      await exec.start({ Detach: true });
    } catch {
      // Best effort: after SIGKILL, the command's deadline reports a container that cannot be reached.
    }
  }
}
