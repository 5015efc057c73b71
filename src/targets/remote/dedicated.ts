import type { Writable } from 'node:stream';
import { SpawnError, type FanoutError } from '../../errors.js';
import type { ExitStatus, OutputFlow, RunningCommand, SpawnRequest } from '../target.js';
import { createNonce, MarkerReader } from './markers.js';
import { CommandSignals } from './signals.js';
import { encodeCommandWords } from './words.js';

/** An exec of WRAPPER_SCRIPT that a transport has opened; pausing its output pauses the transport's reading. */
export interface WrapperExec extends OutputFlow {
  /** The wrapper's stdin: first its one line, then the command's input. */
  readonly stdin: Writable;
  /** How the exec ended (an exit code, or a signal where the transport reports one); rejects with a FanoutError naming the command when unknown. */
  readonly ended: Promise<ExitStatus>;
  /** Drops the exec at once (after a SIGKILL that went unanswered). */
  destroy(): void;
}

/** What a target provides to run commands on their own exec: the transport, nothing else. */
export interface WrapperTransport {
  readonly id: string;
  /**
   * Starts `sh -c WRAPPER_SCRIPT` with stdout and stderr going to the handlers. Rejects with a FanoutError
   * naming the target and the command. `cancel` aborts an open that has not finished.
   */
  openWrapper(
    request: { readonly command: string; readonly stdin: boolean; readonly tty?: boolean },
    output: { readonly onStdout: (chunk: Buffer) => void; readonly onStderr: (chunk: Buffer) => void },
    cancel: AbortSignal,
  ): Promise<WrapperExec>;
  /** Sends `signal` to process group `pid` by the transport's own kill path. Best effort, never throws. */
  signalGroup(exec: WrapperExec, pid: number, signal: NodeJS.Signals): void;
  /**
   * For a transport whose far end goes on reading a command's output after this process is gone (so the
   * wrapper's heartbeat never fails): keeps a guard on the target that kills process group `pid` once this
   * process is gone, for a command with input or a terminal. Returns what stands the guard down when the command ends.
   */
  guardGroup?(exec: WrapperExec, pid: number): () => void;
}

/** Bytes of early output kept to explain a command that never started. */
const HEAD_BYTES = 512;

/**
 * Runs one command on an exec of its own: the wrapper reads the command, its directory and environment
 * from its stdin (never from the argv), reports its process group, and becomes `sh -c command`. A kill
 * before the exec opened means the command never starts.
 *
 * @example
 * const running = runOnWrapper(transport, request);
 * const { exitCode, signal } = await running.exited;
 */
export function runOnWrapper(transport: WrapperTransport, request: SpawnRequest): RunningCommand {
  const { command } = request;
  const target = transport.id;
  const cancel = new AbortController();
  let exec: WrapperExec | undefined;
  let paused = false;
  let settled = false;
  let reject: (error: FanoutError) => void = () => {};
  let resolve: (status: ExitStatus) => void = () => {};
  const signals = new CommandSignals({
    target,
    command,
    deliver: (pid, signal) => exec && transport.signalGroup(exec, pid, signal),
    giveUp: (error) => {
      exec?.destroy();
      reject(error);
    },
  });

  const run = async (): Promise<ExitStatus> => {
    const nonce = createNonce();
    // On a terminal, the command keeps the terminal as its stdin (what `tty` looks at).
    const keepStdin = request.stdin !== undefined || request.tty === true;
    const line = `${nonce} ${keepStdin ? 1 : 0} ${encodeCommandWords({ command, cwd: request.cwd ?? '', env: request.env }, target)}\n`;
    let noDirectory = false;
    let release = (): void => {};
    const head: Buffer[] = [];
    let headSize = 0;
    const keep = (chunk: Buffer): void => {
      if (headSize >= HEAD_BYTES || signals.pid !== undefined) return;
      head.push(chunk.subarray(0, HEAD_BYTES - headSize));
      headSize += Math.min(chunk.length, HEAD_BYTES - headSize);
    };
    const stdout = new MarkerReader(
      nonce,
      (chunk) => {
        keep(chunk);
        request.onStdout(chunk);
      },
      (marker) => {
        if (marker.kind === 'c') noDirectory = true;
        else if (marker.kind === 'p') {
          const pid = Number(marker.fields[0]);
          signals.started(pid);
          if (keepStdin && transport.guardGroup) release = transport.guardGroup(exec!, pid);
        }
      },
    );
    const onStderr = (chunk: Buffer): void => {
      keep(chunk);
      request.onStderr(chunk);
    };
    exec = await transport.openWrapper(
      { command, stdin: request.stdin !== undefined, tty: request.tty === true },
      { onStdout: (chunk) => stdout.push(chunk), onStderr },
      cancel.signal,
    );
    if (paused) exec.pauseOutput();
    if (settled) {
      // Killed while the exec opened: without its line the wrapper exits before the command starts.
      exec.stdin.on('error', () => {});
      exec.stdin.end();
      return { exitCode: null, signal: null };
    }
    const stdin = exec.stdin;
    stdin.on('error', () => {});
    stdin.write(line);
    // Without input, the control stream stays open until the command has ended: its end tells the
    // wrapper's guard that this process is gone.
    if (Buffer.isBuffer(request.stdin)) stdin.end(request.stdin);
    else if (request.stdin !== undefined) request.stdin.on('error', () => stdin.end()).pipe(stdin);
    const status = await exec.ended.finally(() => {
      stdin.end();
      release();
    });
    stdout.end();
    if (noDirectory)
      throw new SpawnError(
        `Cannot start command on ${target}: working directory ${request.cwd} does not exist: ${command}`,
        {
          code: 'SPAWN_FAILED',
          target,
          command,
        },
      );
    if (signals.pid === undefined) {
      const said = Buffer.concat(head).toString('utf8').trim();
      throw new SpawnError(
        `Cannot start command on ${target}: ${said || `its shell ended with ${status.signal ?? `exit code ${status.exitCode}`}`}: ${command}`,
        { code: 'SPAWN_FAILED', target, command },
      );
    }
    return status.exitCode === null ? status : signals.toStatus(status.exitCode);
  };

  const exited = new Promise<ExitStatus>((resolvePromise, rejectPromise) => {
    resolve = (status) => {
      if (settled) return;
      settled = true;
      signals.done();
      resolvePromise(status);
    };
    reject = (error) => {
      if (settled) return;
      settled = true;
      signals.done();
      rejectPromise(error);
    };
    run().then(resolve, reject);
  });

  return {
    exited,
    kill(signal) {
      if (settled) return;
      if (exec === undefined) {
        // Not started: it never will.
        cancel.abort();
        resolve({ exitCode: null, signal });
        return;
      }
      signals.kill(signal);
    },
    pauseOutput() {
      paused = true;
      exec?.pauseOutput();
    },
    resumeOutput() {
      paused = false;
      exec?.resumeOutput();
    },
  };
}
