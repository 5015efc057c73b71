import { spawn } from 'node:child_process';
import { SpawnError } from '../errors.js';
import type { ExitStatus, RunningCommand, SpawnRequest, Target } from './target.js';

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
 * Runs commands on this machine with `/bin/sh -c`, each in its own process group so that a kill reaches
 * every process the command started.
 */
export class LocalTarget implements Target {
  readonly id = 'local';

  spawn(request: SpawnRequest): RunningCommand {
    installExitHooks();
    const child = spawn('/bin/sh', ['-c', request.command], {
      cwd: request.cwd,
      env: { ...process.env, ...request.env },
      detached: true,
      stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);

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
        if (pid !== undefined) liveGroups.delete(pid);
        reject(
          new SpawnError(`Cannot start command on local: ${error.message}`, {
            code: 'SPAWN_FAILED',
            target: 'local',
            command: request.command,
            cause: error,
          }),
        );
      });
      child.on('close', (exitCode, signal) => {
        if (pid !== undefined) liveGroups.delete(pid);
        resolve({ exitCode, signal });
      });
    });

    return {
      exited,
      kill(signal) {
        if (pid !== undefined && liveGroups.has(pid)) killGroup(pid, signal);
      },
    };
  }

  async dispose(): Promise<void> {
    killAllGroups('SIGKILL');
  }
}

/** The one local target every local shell shares. */
export const localTarget = new LocalTarget();
