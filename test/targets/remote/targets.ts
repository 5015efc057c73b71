import { inject } from 'vitest';
import { createDockerTarget } from '../../../src/targets/docker/index.js';
import { LocalTarget } from '../../../src/targets/local.js';
import {
  closeSshConnections,
  createSshTarget,
  type SshTargetOptions,
} from '../../../src/targets/ssh/index.js';
import type { ExitStatus, Target } from '../../../src/targets/target.js';
import { dockerExec, processesIn } from '../../support/docker.js';
import '../../support/docker-context.js';
import { killMatching, processesMatching } from '../../support/processes.js';
import '../../support/sshd-context.js';

/** A real target to run agent tests through, and what a test needs to look at its processes. */
export interface TargetCase {
  readonly name: string;
  /** The id its targets report. */
  readonly id: string;
  /** A fresh target (SSH targets share the module's pooled connection: `reset` closes it). */
  create(options?: { readonly session?: boolean }): Target;
  /** Command lines of the target's processes that contain `marker` (`ps` on the host or in the container). */
  processes(marker: string): Promise<string[]>;
  /** SIGKILLs a process group on the target, from outside fanout. */
  killGroup(pgid: number): Promise<void>;
  /** SIGKILLs what a test left running on the target (its own marker only). */
  cleanUp(marker: string): Promise<void>;
  /** Closes what the target kind pools between tests. */
  reset(): Promise<void>;
}

function killHostGroup(pgid: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Gone already.
  }
  return Promise.resolve();
}

const onHost = {
  processes: (marker: string) => Promise.resolve(processesMatching(marker)),
  killGroup: killHostGroup,
  cleanUp: (marker: string) => Promise.resolve(killMatching(marker)),
};

/** The local target. */
export function localCase(): TargetCase {
  return {
    name: 'local',
    id: 'local',
    create: (options = {}) => new LocalTarget(options),
    ...onHost,
    reset: () => Promise.resolve(),
  };
}

/** Options that reach an SSH fixture host (a non-root login unless `user` says otherwise). */
export function sshOptions(index: number, extra: Partial<SshTargetOptions> = {}): SshTargetOptions {
  const ssh = inject('ssh');
  const host = ssh.hosts[index]!;
  return {
    host: host.host,
    port: host.port,
    user: host.user,
    identityFile: ssh.identityFile,
    knownHostsFile: ssh.knownHostsFile,
    configFile: false,
    agent: false,
    ...extra,
  };
}

/** An SSH fixture host (a non-root login); pick one that test files running at the same time leave alone. */
export function sshCase(index: number): TargetCase {
  const host = inject('ssh').hosts[index]!;
  return {
    name: 'SSH',
    id: host.uri,
    create: (options = {}) => createSshTarget(sshOptions(index, options)),
    ...onHost,
    reset: () => closeSshConnections(),
  };
}

/** A Docker fixture container; `ps` and kills run inside it with the docker CLI. */
export function dockerCase(index: number): TargetCase {
  const { containers, socketPath } = inject('docker');
  const container = containers[index]!;
  return {
    name: 'Docker',
    id: `docker://${container}`,
    create: (options = {}) => createDockerTarget({ container, socketPath, ...options }),
    processes: async (marker) =>
      (await processesIn(container, socketPath)).filter((line) => line.includes(marker)),
    killGroup: async (pgid) => {
      await dockerExec(container, ['kill', '-9', `-${pgid}`], socketPath).catch(() => '');
    },
    cleanUp: async (marker) => {
      for (const line of await processesIn(container, socketPath)) {
        if (!line.includes(marker)) continue;
        await dockerExec(container, ['kill', '-9', line.split(/\s+/)[0]!], socketPath).catch(() => '');
      }
    },
    reset: () => Promise.resolve(),
  };
}

/** What a command wrote and how it ended, byte for byte, straight from the target (no shell layer). */
export interface RawRun {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly status: ExitStatus;
}

/**
 * Runs `command` on `target` through its spawn. `onStdout` sees the output as it comes.
 *
 * @example
 * const { stdout, status } = await runRaw(target, 'printf abc');
 */
export function runRaw(
  target: Target,
  command: string,
  onStdout: (chunk: Buffer) => void = () => {},
): { exited: Promise<RawRun>; kill: (signal: NodeJS.Signals) => void } {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const running = target.spawn({
    command,
    cwd: undefined,
    env: {},
    stdin: undefined,
    onStdout: (chunk) => {
      stdout.push(chunk);
      onStdout(chunk);
    },
    onStderr: (chunk) => stderr.push(chunk),
  });
  return {
    exited: running.exited.then((status) => ({
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr),
      status,
    })),
    kill: (signal) => running.kill(signal),
  };
}

/** Polls `read` until it gives a value, or fails after `timeoutMs`. */
export async function poll<T>(
  read: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
