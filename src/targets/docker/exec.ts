import type { Duplex, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ConnectionError, SpawnError, type ErrorCode } from '../../errors.js';
import type { ExitStatus, RunningCommand, SpawnRequest } from '../target.js';
import { toDockerError, type DockerErrorContext } from './docker-errors.js';
import { readExecStream } from './exec-stream.js';
import { toExitStatus } from '../exit-status.js';
import { waitForExitCode } from './exit-status.js';
import { signalProcessGroup } from './kill.js';
import { buildExecArgv } from './pid-marker.js';

/** Where and how a target runs its execs. */
export interface ExecContext extends Omit<DockerErrorContext, 'command'> {
  readonly user: string | undefined;
  readonly workdir: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** The container, created first for a throwaway target. */
  readonly resolveContainer: () => Promise<Docker.Container>;
}

/** After SIGKILL, how long the exec may take to end before its outcome is declared unknown. */
const KILL_SETTLE_MS = 5000;

function feedStdin(stream: Duplex, stdin: Buffer | Readable): void {
  // A command that exits without reading its input closes the pipe: not an error of ours.
  stream.on('error', () => {});
  if (Buffer.isBuffer(stdin)) stream.end(stdin);
  else stdin.on('error', () => stream.end()).pipe(stream);
}

/**
 * Runs one command in a container through the Engine API: exec create, start (hijacked, frames decoded),
 * then inspect for the exit code once the stream has ended, so every byte is delivered before `exited`
 * settles. `kill` signals the command's process group from a second exec.
 *
 * @example
 * const request = { command: 'make', cwd: '/src', env: {}, stdin: undefined, onStdout, onStderr };
 * const running = runDockerExec(context, request);
 * const { exitCode, signal } = await running.exited;
 */
export function runDockerExec(context: ExecContext, request: SpawnRequest): RunningCommand {
  const { target, user } = context;
  const { command } = request;
  const errorContext: DockerErrorContext = { ...context, command };
  const failure = (code: ErrorCode, message: string, cause?: unknown): ConnectionError =>
    new ConnectionError(`${message} on ${target}: ${command}`, { code, target, command, cause });

  const signalsSent = new Set<NodeJS.Signals>();
  const pending: NodeJS.Signals[] = [];
  let container: Docker.Container | undefined;
  let stream: Duplex | undefined;
  let pid: number | undefined;
  /** True once the output has ended or the command was given up on: nothing more to kill. */
  let ended = false;
  let giveUp: (error: unknown) => void = () => {};

  const deliver = (signal: NodeJS.Signals): void => {
    if (ended || !container || pid === undefined) return;
    signalProcessGroup(container, pid, signal, user).catch((error: unknown) => {
      if (signal === 'SIGKILL') giveUp(toDockerError(error, errorContext));
    });
  };

  const run = async (): Promise<ExitStatus> => {
    container = await context.resolveContainer();
    const cwd = request.cwd ?? context.workdir;
    const exec = await container.exec({
      Cmd: buildExecArgv(command),
      AttachStdin: request.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Env: Object.entries({ ...context.env, ...request.env }).map(([name, value]) => `${name}=${value}`),
      ...(cwd === undefined ? {} : { WorkingDir: cwd }),
      ...(user === undefined ? {} : { User: user }),
    });
    // Given up on (SIGKILL that went unanswered) before it started: never start it.
    if (ended) throw new Error('abandoned');
    stream = (await exec.start({ hijack: true, stdin: request.stdin !== undefined })) as Duplex;
    if (ended) stream.destroy();
    const reading = readExecStream(stream, {
      onStdout: request.onStdout,
      onStderr: request.onStderr,
      onPid: (known) => {
        pid = known;
        for (const signal of pending.splice(0)) deliver(signal);
      },
    });
    if (request.stdin !== undefined) feedStdin(stream, request.stdin);
    const end = await reading.catch((error: unknown) => {
      throw failure('CONNECTION_LOST', 'Lost the Docker exec stream', error);
    });
    ended = true;
    const exitCode = await waitForExitCode(() => exec.inspect());
    if (exitCode === undefined) {
      throw failure('NO_EXIT_STATUS', 'Docker exec output ended but the daemon reports no exit code');
    }
    if (end.pid === undefined) {
      throw new SpawnError(
        `Cannot start command on ${target}: ${end.head || `exit code ${exitCode}`}: ${command}`,
        {
          code: 'SPAWN_FAILED',
          target,
          command,
        },
      );
    }
    return toExitStatus(exitCode, signalsSent);
  };

  const exited = new Promise<ExitStatus>((resolve, reject) => {
    giveUp = (error) => {
      ended = true;
      stream?.destroy();
      reject(error);
    };
    run().then(resolve, (error: unknown) => giveUp(toDockerError(error, errorContext)));
  });

  return {
    exited,
    kill(signal) {
      if (ended) return;
      signalsSent.add(signal);
      if (pid === undefined) pending.push(signal);
      else deliver(signal);
      if (signal !== 'SIGKILL') return;
      const timer = setTimeout(
        () =>
          giveUp(failure('NO_EXIT_STATUS', `Docker exec did not end within ${KILL_SETTLE_MS} ms of SIGKILL`)),
        KILL_SETTLE_MS,
      );
      exited.then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    },
  };
}
