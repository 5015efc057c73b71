import { ConnectionError } from '../../errors.js';
import { toExitStatus } from './exit-status.js';
import type { ExitStatus } from '../target.js';

/** After SIGKILL, how long a target has to report the end before the outcome is declared unknown. */
export const KILL_DEADLINE_MS = 5000;

export interface CommandSignalsOptions {
  readonly target: string;
  readonly command: string;
  /** Sends a signal to the process group by the target's own kill path. Never throws. */
  readonly deliver: (pid: number, signal: NodeJS.Signals) => void;
  /** Called when SIGKILL went unanswered. */
  readonly giveUp: (error: ConnectionError) => void;
}

/**
 * The signal state of one remote command: signals sent before its pid is known wait for it, every signal
 * sent is remembered so that an exit code of 128 + n reads as that signal, and SIGKILL starts a deadline
 * that ends in a NO_EXIT_STATUS ConnectionError when the target never reports the end.
 *
 * @example
 * const signals = new CommandSignals({ target, command, deliver: (pid, signal) => …, giveUp: reject });
 * signals.started(4242); // from the wrapper's `p` marker
 * resolve(signals.toStatus(143)); // { exitCode: null, signal: 'SIGTERM' } once SIGTERM was sent
 */
export class CommandSignals {
  readonly #options: CommandSignalsOptions;
  readonly #sent = new Set<NodeJS.Signals>();
  readonly #queued: NodeJS.Signals[] = [];
  #pid: number | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #done = false;

  constructor(options: CommandSignalsOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  /** The command's process group is known: send what waited for it. */
  started(pid: number): void {
    if (this.#pid !== undefined) return;
    this.#pid = pid;
    for (const signal of this.#queued.splice(0)) this.#options.deliver(pid, signal);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.#done) return;
    this.#sent.add(signal);
    if (this.#pid === undefined) this.#queued.push(signal);
    else this.#options.deliver(this.#pid, signal);
    if (signal !== 'SIGKILL' || this.#deadline) return;
    this.#deadline = setTimeout(() => {
      if (this.#done) return;
      const { target, command } = this.#options;
      this.#options.giveUp(
        new ConnectionError(
          `${target} did not confirm that the command ended within ${KILL_DEADLINE_MS} ms of SIGKILL; its outcome is unknown: ${command}`,
          { code: 'NO_EXIT_STATUS', target, command },
        ),
      );
    }, KILL_DEADLINE_MS);
  }

  /** Reads an exit code as the local target would report it, given the signals sent. */
  toStatus(exitCode: number): ExitStatus {
    return toExitStatus(exitCode, this.#sent);
  }

  /** The command has settled: no more signals, no deadline. */
  done(): void {
    this.#done = true;
    clearTimeout(this.#deadline);
  }
}
