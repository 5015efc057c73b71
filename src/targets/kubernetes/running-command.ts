import { ConnectionError, SpawnError, type FanoutError } from '../../errors.js';
import type { ExitStatus, RunningCommand, SpawnRequest } from '../target.js';
import type { ExecRequest, ExecSession } from './exec-session.js';
import { mapConnectError } from './map-error.js';
import { interpretExecEnd } from './outcome.js';
import { createHeaderFilter, pumpStdin } from './stdio.js';
import { buildExecArgv, buildKillArgv, findInvalidEnvName, type WrapperHeader } from './wrapper.js';

/** After SIGKILL, how long to wait for the pod to confirm the end before giving the outcome up as unknown. */
const KILL_CONFIRM_MS = 3000;

/** What a command needs from its target. */
export interface ExecHost {
  readonly id: string;
  /** Opens an exec; rejects with the client's error. */
  open(request: ExecRequest): Promise<ExecSession>;
  /** Resolves when stdin can be sent with an end-of-file here; rejects with a FanoutError when it cannot. */
  checkStdinSupport(command: string): Promise<void>;
}

/**
 * One command in a pod: the wrapper's exec, its output, and kills sent through second execs.
 */
export class KubernetesCommand implements RunningCommand {
  readonly exited: Promise<ExitStatus>;
  readonly #host: ExecHost;
  readonly #request: SpawnRequest;
  #started: { pid: number; pgid: number } | undefined;
  #noDirectory = false;
  #pendingSignal: NodeJS.Signals | undefined;
  readonly #sentSignals = new Set<NodeJS.Signals>();
  #session: ExecSession | undefined;
  #settled = false;
  #giveUp: ((error: FanoutError) => void) | undefined;

  constructor(host: ExecHost, request: SpawnRequest) {
    this.#host = host;
    this.#request = request;
    this.exited = new Promise<ExitStatus>((resolve, reject) => {
      this.#giveUp = reject;
      this.#run().then(resolve, reject);
    }).finally(() => {
      this.#settled = true;
    });
  }

  async #run(): Promise<ExitStatus> {
    const { command, stdin, onStderr } = this.#request;
    const where = { target: this.#host.id, command };
    const badName = findInvalidEnvName(this.#request.env);
    if (badName !== undefined) {
      const message = `Cannot set \`${badName}\` in ${this.#host.id}: not a shell variable name: ${command}`;
      throw new SpawnError(message, { code: 'SPAWN_FAILED', ...where });
    }
    if (stdin !== undefined) await this.#host.checkStdinSupport(command);
    const filter = createHeaderFilter((header) => this.#onHeader(header), this.#request.onStdout);
    const session = await this.#host
      .open({
        argv: buildExecArgv(this.#request),
        stdin: stdin !== undefined,
        onStdout: filter.push,
        onStderr,
      })
      .catch((error: unknown) => {
        throw mapConnectError(error, where);
      });
    this.#session = session;
    if (this.#settled) this.#pendingSignal = 'SIGKILL';
    if (stdin !== undefined) pumpStdin(session, stdin);
    const end = await session.ended;
    filter.flush();
    return interpretExecEnd(end, {
      target: this.#host.id,
      command,
      cwd: this.#request.cwd,
      started: this.#started !== undefined,
      noDirectory: this.#noDirectory,
      sentSignals: this.#sentSignals,
    });
  }

  #onHeader(header: WrapperHeader | undefined): void {
    if (header?.kind === 'nocwd') this.#noDirectory = true;
    if (header?.kind !== 'started') return;
    this.#started = { pid: header.pid, pgid: header.pgid };
    if (this.#pendingSignal !== undefined) this.#signal(this.#pendingSignal);
  }

  #signal(signal: NodeJS.Signals): void {
    const started = this.#started;
    if (started === undefined) return;
    this.#sentSignals.add(signal);
    this.#host
      .open({ argv: buildKillArgv(started, signal), stdin: false, onStdout: () => {}, onStderr: () => {} })
      .then((session) => session.ended)
      .catch(() => {
        // Best effort: the SIGKILL deadline reports a pod that cannot be reached.
      });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#settled) return;
    if (this.#started === undefined) this.#pendingSignal = signal;
    else this.#signal(signal);
    if (signal !== 'SIGKILL') return;
    const timer = setTimeout(() => {
      if (this.#settled) return;
      const { command } = this.#request;
      this.#giveUp?.(
        new ConnectionError(
          `${this.#host.id} did not confirm the end of \`${command}\` within ${KILL_CONFIRM_MS} ms of SIGKILL; its outcome is unknown`,
          { code: 'NO_EXIT_STATUS', target: this.#host.id, command },
        ),
      );
      this.#session?.destroy();
    }, KILL_CONFIRM_MS);
    timer.unref();
  }
}
