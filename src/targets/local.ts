import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SpawnError } from '../errors.js';
import { validateOptions } from '../internal/validate.js';
import { AgentPool } from './remote/agent-pool.js';
import type { AgentChannel, AgentHandlers } from './remote/agent.js';
import { AGENT_LAUNCH } from './remote/scripts.js';
import { flowOf, type ExitStatus, type RunningCommand, type SpawnRequest, type Target } from './target.js';

/** Options of a local target. */
export interface LocalTargetOptions {
  /**
   * Run commands through session agents: long-lived `sh` processes that each run one command at a time,
   * which saves a process start from Node per command. Default: true. Commands with stdin always get a
   * process of their own.
   */
  readonly session?: boolean;
}

const OPTION_KEYS = ['session'];

/**
 * Checks the options of a local target once: a TypeError names an unknown or mistyped option.
 *
 * @example
 * normalizeLocalOptions({ session: false }); // { session: false }
 */
export function normalizeLocalOptions(options: LocalTargetOptions): LocalTargetOptions {
  validateOptions<LocalTargetOptions>(options, 'a local target', OPTION_KEYS);
  if (options.session !== undefined && typeof options.session !== 'boolean')
    throw new TypeError(
      `Expected \`session\` to be a boolean, got \`${String(options.session)}\` (${typeof options.session})`,
    );
  return options;
}

/** Agents at most; commands beyond them get a process of their own. */
const MAX_AGENTS = 64;

/** Process groups still running, so that an exit or a fatal signal of ours leaves none behind. */
const liveGroups = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

function killAllGroups(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) killGroup(pid, signal);
}

let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => killAllGroups('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Another listener (the CLI's graceful stop) owns the shutdown; the exit hook still kills leftovers.
      if (process.listenerCount(signal) > 1) return;
      killAllGroups('SIGKILL');
      // Only ours: keep the default behaviour of dying by the signal.
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Runs a command in its own process group, with a watcher on fd 3 that kills the group when this process
 * dies, even by SIGKILL (the pipe reads end-of-file); a line on fd 3 lets the watcher go quietly.
 */
const GUARDED = `(IFS= read -r _ <&3 || kill -KILL 0) </dev/null >/dev/null 2>&1 & exec 3<&-; exec /bin/sh -c "$1"`;

/** Whether the handle keeps the event loop alive. */
function setRef(handle: { ref?: () => void; unref?: () => void } | null | undefined, ref: boolean): void {
  if (ref) handle?.ref?.();
  else handle?.unref?.();
}

/** Names the agent's `export`/`unset` can take. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * What a command's environment — this process's as it is now, with `own` over it — changes from `base`
 * (the agent's): set names and their values, unset names as undefined. Reads each variable of
 * `process.env` once (every read is a call into the C++ side).
 */
function envChanges(
  base: Readonly<Record<string, string | undefined>>,
  own: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const changes: Record<string, string | undefined> = {};
  const names = new Set(Object.keys(process.env));
  for (const name of names) {
    const value = own[name] ?? process.env[name];
    if (value !== base[name] && VARIABLE_NAME.test(name)) changes[name] = value;
  }
  for (const name in own) {
    if (!names.has(name) && own[name] !== base[name] && VARIABLE_NAME.test(name)) changes[name] = own[name];
  }
  for (const name in base) {
    if (!names.has(name) && !(name in own) && VARIABLE_NAME.test(name)) changes[name] = undefined;
  }
  return changes;
}

/**
 * Runs commands on this machine with `/bin/sh`, each in its own process group so that a kill reaches
 * every process the command started, and none outlives this process, even when it is killed by SIGKILL.
 */
export class LocalTarget implements Target {
  readonly id = 'local';
  readonly #session: boolean;
  #pool: AgentPool | undefined;
  /** Process groups of this target's commands on a process of their own. */
  readonly #groups = new Set<number>();
  /** The environment every agent starts with; each command gets the difference to the current one. */
  #agentEnv: Record<string, string | undefined> = {};

  constructor(options: LocalTargetOptions = {}) {
    this.#session = normalizeLocalOptions(options).session ?? true;
  }

  spawn(request: SpawnRequest): RunningCommand {
    if (this.#session && request.stdin === undefined) return this.#agents().spawn(request);
    return this.#spawnGuarded(request);
  }

  async dispose(): Promise<void> {
    await this.#pool?.dispose();
    for (const pid of this.#groups) killGroup(pid, 'SIGKILL');
  }

  #agents(): AgentPool {
    if (this.#pool) return this.#pool;
    this.#agentEnv = { ...process.env };
    this.#pool = new AgentPool({
      target: this.id,
      open: (handlers) => Promise.resolve(this.#openAgent(handlers)),
      maxAgents: () => MAX_AGENTS,
      overflow: (request) => this.#spawnGuarded(request),
      lineFor: (request) => ({
        command: request.command,
        cwd: request.cwd ?? process.cwd(),
        env: envChanges(this.#agentEnv, request.env),
      }),
    });
    return this.#pool;
  }

  #openAgent(handlers: AgentHandlers): AgentChannel {
    const child = spawn('/bin/sh', ['-c', AGENT_LAUNCH], {
      env: this.#agentEnv,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdin = child.stdin as Writable;
    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    stdin.on('error', () => {});
    stdout.on('data', handlers.onStdout);
    stderr.on('data', handlers.onStderr);
    // The agent's end, not its pipes' (a command it ran may hold them open after it died), ends it; a
    // failed spawn emits no exit.
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      handlers.onClose();
    };
    child.once('exit', onEnd);
    child.once('error', onEnd);
    return {
      write: (data) => void stdin.write(data),
      close: () => stdin.end(),
      killGroup: (pid) => killGroup(pid, 'SIGKILL'),
      ...flowOf(stdout, stderr),
      setBusy: (busy) => {
        setRef(child, busy);
        for (const stream of [stdin, stdout, stderr])
          setRef(stream as unknown as { ref(): void; unref(): void }, busy);
      },
    };
  }

  #spawnGuarded(request: SpawnRequest): RunningCommand {
    installExitHooks();
    const child: ChildProcess = spawn('/bin/sh', ['-c', GUARDED, 'sh', request.command], {
      cwd: request.cwd,
      env: { ...process.env, ...request.env },
      detached: true,
      stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) {
      liveGroups.add(pid);
      this.#groups.add(pid);
    }
    const guard = child.stdio[3] as Writable | null;
    guard?.on('error', () => {});
    const release = (): void => {
      if (pid !== undefined) {
        liveGroups.delete(pid);
        this.#groups.delete(pid);
      }
      guard?.end('\n');
    };

    child.stdout?.on('data', request.onStdout);
    child.stderr?.on('data', request.onStderr);
    if (child.stdin) {
      // A command that exits without reading its input closes the pipe: not an error of ours.
      child.stdin.on('error', () => {});
      if (Buffer.isBuffer(request.stdin)) child.stdin.end(request.stdin);
      else request.stdin?.on('error', () => child.stdin?.end()).pipe(child.stdin);
    }

    const exited = new Promise<ExitStatus>((resolve, reject) => {
      child.on('error', (error) => {
        release();
        reject(
          new SpawnError(`Cannot start command on local: ${error.message}`, {
            code: 'SPAWN_FAILED',
            target: 'local',
            command: request.command,
            cause: error,
          }),
        );
      });
      // Not 'close': the watcher holds fd 3 until it is told to go, so wait for the exit and the output.
      let status: ExitStatus | undefined;
      let open = 2;
      const settle = (): void => {
        if (status === undefined || open > 0) return;
        release();
        resolve(status);
      };
      child.stdout?.once('close', () => {
        open--;
        settle();
      });
      child.stderr?.once('close', () => {
        open--;
        settle();
      });
      child.once('exit', (exitCode, signal) => {
        status = { exitCode, signal };
        settle();
      });
    });

    return {
      exited,
      kill(signal) {
        if (pid !== undefined && liveGroups.has(pid)) killGroup(pid, signal);
      },
      ...flowOf(child.stdout, child.stderr),
    };
  }
}

/** The one local target every local shell shares. */
export const localTarget = new LocalTarget();
