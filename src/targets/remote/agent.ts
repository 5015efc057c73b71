import { ConnectionError, SpawnError, type FanoutError } from '../../errors.js';
import type { ExitStatus, OutputFlow, RunningCommand, SpawnRequest } from '../target.js';
import { createNonce, MarkerReader, type Marker } from './markers.js';
import { CommandSignals } from './signals.js';
import { encodeCommandWords, type CommandLine } from './words.js';

/** Where an agent's output goes, and how its end is told. */
export interface AgentHandlers {
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /** The agent's exec ended (it died, the connection dropped, or it was closed). */
  readonly onClose: () => void;
}

/** A long-lived exec of AGENT_SCRIPT that a transport has opened; pausing its output pauses the transport's reading. */
export interface AgentChannel extends OutputFlow {
  /** Sends bytes to the agent's control stream (its stdin). */
  write(data: string): void;
  /** Ends the control stream: the agent kills what it runs and exits. */
  close(): void;
  /** Whether the channel keeps the event loop alive: only while a command runs. */
  setBusy(busy: boolean): void;
  /**
   * SIGKILLs a command's process group by a path outside the agent: the agent died (killed from outside)
   * while the command ran, and nothing is left on the target to end it. Best effort, never throws.
   */
  killGroup(pid: number): void;
}

interface Current {
  readonly request: SpawnRequest;
  readonly signals: CommandSignals;
  readonly resolve: (status: ExitStatus) => void;
  readonly reject: (error: FanoutError) => void;
  noDirectory: boolean;
  status: number | undefined;
  stderrEnded: boolean;
  paused: boolean;
}

/**
 * One session agent: runs one command at a time, sent over its control stream as one line (see words.ts),
 * and reads the output and the markers that end it. An agent whose exec ends mid-command fails that
 * command with a ConnectionError; it is never a made-up exit.
 *
 * @example
 * const agent = new Agent(target, channel, nonce);
 * const status = await agent.run(request, line).exited;
 */
export class Agent {
  readonly target: string;
  readonly #channel: AgentChannel;
  readonly #stdout: MarkerReader;
  readonly #stderr: MarkerReader;
  #current: Current | undefined;
  #closed = false;
  /** Processes of the last command's group outlived it: their output could reach the next command. */
  #tainted = false;
  /** A command has started on this agent: it runs, so a later end is a lost agent, not a failed start. */
  #started = false;
  /** What the agent wrote before any command started, to explain an agent that could not start. */
  #head = '';

  /**
   * Starts an agent through `open` (a transport's exec of AGENT_SCRIPT) and sends its nonce. `onClose` is
   * called once the agent's exec has ended.
   */
  static async open(
    target: string,
    open: (handlers: AgentHandlers) => Promise<AgentChannel>,
    onClose: (agent: Agent) => void,
  ): Promise<Agent> {
    const nonce = createNonce();
    const made: { agent?: Agent } = {};
    const early: Array<(agent: Agent) => void> = [];
    const later = (fn: (agent: Agent) => void): void => (made.agent ? fn(made.agent) : void early.push(fn));
    const channel = await open({
      onStdout: (chunk) => later((agent) => agent.#stdout.push(chunk)),
      onStderr: (chunk) => later((agent) => agent.#stderr.push(chunk)),
      onClose: () =>
        later((agent) => {
          agent.#lost();
          onClose(agent);
        }),
    });
    const agent = new Agent(target, channel, nonce);
    made.agent = agent;
    for (const fn of early.splice(0)) fn(agent);
    return agent;
  }

  private constructor(target: string, channel: AgentChannel, nonce: string) {
    this.target = target;
    this.#channel = channel;
    this.#stdout = new MarkerReader(
      nonce,
      (chunk) => {
        this.#keepHead(chunk);
        this.#current?.request.onStdout(chunk);
      },
      (marker) => this.#onMarker(marker),
    );
    this.#stderr = new MarkerReader(
      nonce,
      (chunk) => {
        this.#keepHead(chunk);
        this.#current?.request.onStderr(chunk);
      },
      (marker) => this.#onMarker(marker),
    );
    channel.write(`${nonce}\n`);
  }

  /** Ready for another command. */
  get idle(): boolean {
    return !this.#closed && !this.#tainted && this.#current === undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `line` (the request's command with its directory and environment); one command at a time. */
  run(request: SpawnRequest, line: CommandLine): RunningCommand {
    let words: string;
    try {
      words = encodeCommandWords(line, this.target);
    } catch (error) {
      return { exited: Promise.reject(error as FanoutError), kill() {} };
    }
    let current!: Current;
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      const signals = new CommandSignals({
        target: this.target,
        command: request.command,
        deliver: (pid, signal) => this.#channel.write(`k ${signal.replace(/^SIG/, '')} ${pid}\n`),
        giveUp: (error) => {
          this.#finish(current, () => reject(error));
          this.close();
        },
      });
      current = {
        request,
        signals,
        resolve,
        reject,
        noDirectory: false,
        status: undefined,
        stderrEnded: false,
        paused: false,
      };
    });
    this.#current = current;
    this.#channel.setBusy(true);
    this.#channel.write(`r ${words}\n`);
    return {
      exited,
      kill: (signal) => {
        if (this.#current === current) current.signals.kill(signal);
      },
      pauseOutput: () => this.#setPaused(current, true),
      resumeOutput: () => this.#setPaused(current, false),
    };
  }

  /** Ends the agent: what it still runs is killed by the agent itself. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.setBusy(false);
    this.#channel.close();
  }

  #onMarker(marker: Marker): void {
    const current = this.#current;
    if (!current) return;
    if (marker.kind === 'p') {
      this.#started = true;
      current.signals.started(Number(marker.fields[0]));
    } else if (marker.kind === 'c') current.noDirectory = true;
    else if (marker.kind === 'x') {
      current.status = Number(marker.fields[0]);
      if (marker.fields[1] === '1') this.#tainted = true;
    } else if (marker.kind === 'e') current.stderrEnded = true;
    if (current.status === undefined || !current.stderrEnded) return;
    const { target } = this;
    const { command, cwd } = current.request;
    if (current.noDirectory) {
      const error = new SpawnError(
        `Cannot start command on ${target}: working directory ${cwd} does not exist: ${command}`,
        { code: 'SPAWN_FAILED', target, command },
      );
      this.#finish(current, () => current.reject(error));
    } else {
      const status = current.signals.toStatus(current.status);
      this.#finish(current, () => current.resolve(status));
    }
    if (this.#tainted) this.close();
  }

  /** Pauses the channel for the command it runs; the next command never starts paused. */
  #setPaused(current: Current, paused: boolean): void {
    if (this.#current !== current || current.paused === paused) return;
    current.paused = paused;
    if (paused) this.#channel.pauseOutput();
    else this.#channel.resumeOutput();
  }

  #finish(current: Current, settle: () => void): void {
    if (this.#current !== current) return;
    this.#setPaused(current, false);
    this.#current = undefined;
    current.signals.done();
    if (!this.#closed) this.#channel.setBusy(false);
    settle();
  }

  #keepHead(chunk: Buffer): void {
    if (!this.#started && this.#head.length < 512) this.#head += chunk.toString('utf8', 0, 512);
  }

  #lost(): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    this.#stdout.end();
    this.#stderr.end();
    const current = this.#current;
    if (!current) return;
    const { target } = this;
    const { command } = current.request;
    if (!this.#started) {
      const said = this.#head.trim() || 'it ended before running anything';
      const error = new SpawnError(`Cannot start the session agent on ${target}: ${said}: ${command}`, {
        code: 'SPAWN_FAILED',
        target,
        command,
      });
      return this.#finish(current, () => current.reject(error));
    }
    // An agent killed from outside cannot kill what it ran: its command's group would run on, orphaned.
    const pid = current.signals.pid;
    if (!wasClosed && pid !== undefined) this.#channel.killGroup(pid);
    const error = new ConnectionError(
      wasClosed
        ? `The session agent on ${target} was closed while the command ran; its outcome is unknown: ${command}`
        : `The session agent on ${target} ended while the command ran (agent or connection lost); its outcome is unknown: ${command}`,
      { code: 'CONNECTION_LOST', target, command },
    );
    this.#finish(current, () => current.reject(error));
  }
}
