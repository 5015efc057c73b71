import type { ExitStatus, RunningCommand, SpawnRequest } from '../target.js';
import { Agent, type AgentChannel, type AgentHandlers } from './agent.js';
import type { CommandLine } from './words.js';

/** How long an agent may sit idle before it is closed. */
const IDLE_MS = 2000;

export interface AgentPoolOptions {
  /** The target's id, for errors. */
  readonly target: string;
  /** Opens one agent exec; rejects with a FanoutError naming the target and `command`. */
  readonly open: (handlers: AgentHandlers, command: string) => Promise<AgentChannel>;
  /** Most agents at once (a transport's channel cap); commands beyond it wait for an agent. */
  readonly maxAgents: () => number;
  /** Runs a command beyond `maxAgents` on an exec of its own instead of waiting for an agent. */
  readonly overflow?: (request: SpawnRequest) => RunningCommand;
  /** The line for a request: its directory and environment as the target applies them. */
  readonly lineFor: (request: SpawnRequest) => CommandLine;
}

interface Waiter {
  readonly command: string;
  readonly start: (agent: Agent) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * Session agents of one target: reused while busy work keeps coming, opened on demand up to `maxAgents`,
 * closed once idle.
 *
 * @example
 * const pool = new AgentPool({ target: 'local', open, maxAgents: () => Infinity, lineFor });
 * const running = pool.spawn(request);
 */
export class AgentPool {
  readonly #options: AgentPoolOptions;
  readonly #agents = new Set<Agent>();
  readonly #idleTimers = new Map<Agent, NodeJS.Timeout>();
  readonly #waiters: Waiter[] = [];
  readonly #running = new Set<RunningCommand>();
  #opening = 0;

  constructor(options: AgentPoolOptions) {
    this.#options = options;
  }

  spawn(request: SpawnRequest): RunningCommand {
    const agent = this.#takeIdle();
    const { overflow, maxAgents } = this.#options;
    if (!agent && overflow && this.#agents.size + this.#opening >= maxAgents()) return overflow(request);
    let running: RunningCommand | undefined;
    let pendingKill: NodeJS.Signals | undefined;
    let paused = false;
    let cancelled = false;
    let resolveExited!: (status: ExitStatus) => void;
    let rejectExited!: (error: unknown) => void;
    const exited = new Promise<ExitStatus>((resolve, reject) => {
      resolveExited = resolve;
      rejectExited = reject;
    });
    const waiter: Waiter = {
      command: request.command,
      fail: (error) => rejectExited(error),
      start: (agent) => {
        running = agent.run(request, this.#options.lineFor(request));
        running.exited.then(resolveExited, rejectExited).finally(() => this.#release(agent));
        if (paused) running.pauseOutput?.();
        if (pendingKill) running.kill(pendingKill);
      },
    };
    const command: RunningCommand = {
      exited,
      kill: (signal) => {
        if (running) return running.kill(signal);
        if (!cancelled) {
          // Not started: it never will.
          cancelled = true;
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolveExited({ exitCode: null, signal });
        }
        pendingKill = signal;
      },
      pauseOutput: () => {
        paused = true;
        running?.pauseOutput?.();
      },
      resumeOutput: () => {
        paused = false;
        running?.resumeOutput?.();
      },
    };
    this.#running.add(command);
    const forget = (): void => void this.#running.delete(command);
    exited.then(forget, forget);

    if (agent) waiter.start(agent);
    else {
      this.#waiters.push(waiter);
      this.#grow();
    }
    return command;
  }

  /** Kills what runs on the agents and closes them all. */
  async dispose(): Promise<void> {
    const running = [...this.#running];
    for (const command of running) command.kill('SIGKILL');
    await Promise.allSettled(running.map((command) => command.exited));
    for (const agent of this.#agents) agent.close();
    this.#agents.clear();
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
  }

  /** Closes the agents that run nothing now; busy ones keep running. */
  closeIdle(): void {
    for (const agent of [...this.#agents]) {
      if (!agent.idle) continue;
      clearTimeout(this.#idleTimers.get(agent));
      this.#idleTimers.delete(agent);
      this.#agents.delete(agent);
      agent.close();
    }
  }

  #takeIdle(): Agent | undefined {
    for (const agent of this.#agents) {
      if (!agent.idle) continue;
      clearTimeout(this.#idleTimers.get(agent));
      this.#idleTimers.delete(agent);
      return agent;
    }
    return undefined;
  }

  /**
   * Opens one more agent when commands wait and the cap allows. A failed open fails the command it was
   * for, and every waiting command when no agent is left to serve them (an unreachable target).
   */
  #grow(): void {
    const waiting = this.#waiters.length;
    if (waiting <= this.#opening || this.#agents.size + this.#opening >= this.#options.maxAgents()) return;
    const command = this.#waiters[this.#opening]!.command;
    this.#opening++;
    const { target, open } = this.#options;
    Agent.open(
      target,
      (handlers) => open(handlers, command),
      (agent) => this.#lose(agent),
    ).then(
      (agent) => {
        this.#opening--;
        if (agent.closed) return this.#grow();
        this.#agents.add(agent);
        this.#release(agent);
      },
      (error: unknown) => {
        this.#opening--;
        const failed =
          this.#agents.size === 0 && this.#opening === 0
            ? this.#waiters.splice(0)
            : this.#waiters.splice(0, 1);
        for (const waiter of failed) waiter.fail(error);
      },
    );
  }

  /** An agent finished a command or just opened: give it the next waiter, or let it idle out. */
  #release(agent: Agent): void {
    if (!agent.idle) {
      agent.close();
      this.#lose(agent);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) return waiter.start(agent);
    const timer = setTimeout(() => {
      this.#idleTimers.delete(agent);
      this.#agents.delete(agent);
      agent.close();
    }, IDLE_MS);
    timer.unref();
    this.#idleTimers.set(agent, timer);
  }

  /** An agent is gone: a waiting command may need a new one. */
  #lose(agent: Agent): void {
    if (!this.#agents.delete(agent)) return;
    clearTimeout(this.#idleTimers.get(agent));
    this.#idleTimers.delete(agent);
    this.#grow();
  }
}
