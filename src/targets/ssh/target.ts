import { AgentPool } from '../remote/agent-pool.js';
import { runOnWrapper } from '../remote/dedicated.js';
import type { RunningCommand, SpawnRequest, Target } from '../target.js';
import { parseSshSpec, validateSshOptions, type SshTargetOptions } from './options.js';
import {
  acquireConnection,
  closeAllConnections,
  closeIdleConnection,
  currentConnection,
  setIdleAgentCloser,
} from './pool.js';
import { resolveSshSettings, type SshSettings } from './settings.js';
import { SshTransport } from './transport.js';

/** Every command still running on any SSH target, for `closeSshConnections()` and process exit. */
const running = new Set<RunningCommand>();
/** Session agents per pooled connection, shared by every target of that (user, host, port, credentials). */
const agentPools = new Map<string, AgentPool>();

let exitHookInstalled = false;

/** On exit, ask sshd to KILL what still runs (best effort: a signal request needs no round trip). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const command of running) command.kill('SIGKILL');
    closeAllConnections();
  });
}

async function killAll(commands: Iterable<RunningCommand>): Promise<void> {
  const list = [...commands];
  for (const command of list) command.kill('SIGKILL');
  await Promise.allSettled(list.map((command) => command.exited));
}

function agentPoolFor(transport: SshTransport): AgentPool {
  const key = transport.settings.poolKey;
  let pool = agentPools.get(key);
  if (!pool) {
    pool = new AgentPool({
      target: transport.id,
      open: (handlers, command) => transport.openAgent(handlers, command),
      maxAgents: () => transport.maxAgents(),
      lineFor: (request) => ({ command: request.command, cwd: request.cwd ?? '', env: request.env }),
    });
    agentPools.set(key, pool);
    setIdleAgentCloser(transport.settings, () => pool!.closeIdle());
  }
  return pool;
}

/**
 * Runs commands on one SSH host over the module-wide connection pool. Cheap to create: targets for the
 * same (user, host, port, credentials) share one connection and its session agents. Make one with
 * `createSshTarget`.
 *
 * @example
 * const target = createSshTarget('deploy@web1');
 * console.log(target.id); // ssh://deploy@web1:22
 */
export class SshTarget implements Target {
  readonly id: string;
  readonly settings: SshSettings;
  readonly #transport: SshTransport;
  readonly #running = new Set<RunningCommand>();

  constructor(settings: SshSettings) {
    this.settings = settings;
    this.id = settings.id;
    this.#transport = new SshTransport(settings);
  }

  spawn(request: SpawnRequest): RunningCommand {
    installExitHook();
    // Connecting starts here (shared with the command's own wait for the connection), so that the
    // command's timeout counts from when the host is reached.
    const reached = currentConnection(this.settings)
      ? undefined
      : acquireConnection(this.settings).then(
          () => {},
          () => new Promise<void>(() => {}),
        );
    const started =
      this.settings.session && request.stdin === undefined && request.tty !== true
        ? agentPoolFor(this.#transport).spawn(request)
        : runOnWrapper(this.#transport, request);
    const command: RunningCommand = reached ? { ...started, reached } : started;
    this.#running.add(command);
    running.add(command);
    const forget = (): void => {
      this.#running.delete(command);
      running.delete(command);
    };
    command.exited.then(forget, forget);
    return command;
  }

  /** Closes the idle session agents and the pooled connection, unless something still runs on it. */
  releaseIdle(): void {
    agentPools.get(this.settings.poolKey)?.closeIdle();
    closeIdleConnection(this.settings);
  }

  /** Kills this target's running commands and closes its pooled connection unless other targets use it. */
  async dispose(): Promise<void> {
    await killAll(this.#running);
    closeIdleConnection(this.settings);
  }
}

/**
 * A target that runs commands on an SSH host: `user@host:port`, `ssh://user@host:port`, an ssh_config alias,
 * or options. The ssh_config file is read here, once; errors in options throw a TypeError, errors in the
 * config a FanoutError with code CONFIG_INVALID.
 *
 * @example
 * const web = createSshTarget('deploy@web1:2222');
 * await createShell(web)`uptime`;
 * const lab = createSshTarget({ host: 'lab', configFile: './ssh_config', hostKeyPolicy: 'accept-new' });
 */
export function createSshTarget(spec: string | SshTargetOptions): SshTarget {
  const options = typeof spec === 'string' ? parseSshSpec(spec) : validateSshOptions(spec);
  return new SshTarget(resolveSshSettings(options));
}

/**
 * Kills every command still running on SSH targets, closes their session agents and every pooled
 * connection. Scripts end on their own without it (idle connections do not keep Node alive); call it to
 * end at once.
 *
 * @example
 * try { await main(); } finally { await closeSshConnections(); }
 */
export async function closeSshConnections(): Promise<void> {
  await killAll(running);
  const pools = [...agentPools.values()];
  agentPools.clear();
  await Promise.allSettled(pools.map((pool) => pool.dispose()));
  closeAllConnections();
}
