import type { Readable } from 'node:stream';

/** What a target needs to start one command. */
export interface SpawnRequest {
  /** The command line, run by a POSIX `sh -c` on the target. */
  readonly command: string;
  /** Working directory on the target; the target's default when undefined. */
  readonly cwd: string | undefined;
  /** Variables added to the target's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Standard input; when undefined the command reads end-of-file at once. */
  readonly stdin: Buffer | Readable | undefined;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /**
   * Run the command on a pseudo-terminal (`ssh -t`): its stdin, stdout and stderr are the terminal, so its
   * stderr arrives through `onStdout`, and its stdin sends nothing. Only targets that say so in their docs
   * give one (SSH, Docker); others ignore it. Default: false.
   */
  readonly tty?: boolean;
}

/** How a command ended: an exit code, or the signal that ended it. */
export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Lets the consumer of a command's output hold it back (backpressure from a slow consumer). */
export interface OutputFlow {
  /**
   * Stops delivering the command's output until `resumeOutput`: the target stops reading it, so past what
   * its transport already holds (a channel window, a socket buffer) the command blocks on a full pipe, as
   * on a slow terminal. `exited` waits for the output: resume before counting on it to settle.
   */
  pauseOutput(): void;
  /** Delivers the command's output again after `pauseOutput`. */
  resumeOutput(): void;
}

/** What a transport reads a command's output from: pausing it stops the reading. */
interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * The OutputFlow of a command whose output a transport reads from `sources` (a channel, a socket, a pair of
 * pipes): pausing it pauses them all.
 *
 * @example
 * const exec: WrapperExec = { stdin: channel, ended, destroy: () => channel.close(), ...flowOf(channel) };
 */
export function flowOf(...sources: ReadonlyArray<Pausable | null | undefined>): OutputFlow {
  return {
    pauseOutput: () => sources.forEach((source) => source?.pause()),
    resumeOutput: () => sources.forEach((source) => source?.resume()),
  };
}

/** A command a target has started. */
export interface RunningCommand extends Partial<OutputFlow> {
  /**
   * Settles once the command has ended and all its output has been delivered. Rejects with a FanoutError
   * (a ConnectionError, say) when the target cannot tell how the command ended: never a made-up exit 0.
   */
  readonly exited: Promise<ExitStatus>;
  /**
   * Sends `signal` to the command's whole process group, wherever it runs. Best effort: never throws.
   * After `SIGKILL`, `exited` must settle promptly even when the target is unreachable.
   */
  kill(signal: NodeJS.Signals): void;
  /**
   * Resolves once the target is reached (an SSH connection is up), for targets that first connect: a
   * command's timeout counts from then, so that a slow or failed connection is the target's connect timeout
   * (an unreachable target), never a timed-out command. Absent, the command counts as started at once. It
   * never rejects: `exited` tells the failure.
   */
  readonly reached?: Promise<void>;
}

/**
 * Somewhere commands run: the local machine, an SSH host, a container, a pod. Timeouts, retries and output
 * handling are composed around a target by the shell, never built into it.
 */
export interface Target {
  /** Names the target in results and errors: `local`, `ssh://user@host:22`, `docker://app` … */
  readonly id: string;
  spawn(request: SpawnRequest): RunningCommand;
  /** Releases connections and kills what still runs. The target may be used again afterwards. */
  dispose(): Promise<void>;
  /**
   * Closes what the target keeps open for later commands and is idle now (a pooled connection, session
   * agents), instead of when it would idle out; running commands are untouched. Fleets call it on a member
   * that gets no more jobs. Optional: targets that keep nothing open leave it out.
   */
  releaseIdle?(): void;
}
