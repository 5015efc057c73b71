import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import type { SshTargetOptions } from '../../../src/targets/ssh/index.js';
import type { SshFixtureHost, SshFixtureInfo } from '../../support/sshd.js';
import '../../support/sshd-context.js';

export { survivorsOf } from '../../support/processes.js';

/** The fixtures started by the global set-up. */
export function fixtures(): SshFixtureInfo {
  return inject('ssh');
}

/** Options that reach a fixture host with the fixture's own files only (never ~/.ssh). */
export function optionsFor(host: SshFixtureHost, extra: Partial<SshTargetOptions> = {}): SshTargetOptions {
  const info = fixtures();
  return {
    host: host.host,
    port: host.port,
    user: host.user,
    identityFile: info.identityFile,
    knownHostsFile: info.knownHostsFile,
    configFile: false,
    agent: false,
    ...extra,
  };
}

/** Processes on this machine (where the fixtures run) whose command line contains `marker`. */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

/** Waits until a `sleep <marker>` process runs (not merely a shell whose command line names it). */
export async function waitForProcess(marker: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  const isSleep = (line: string) => line.trim().split(/\s+/).slice(1).join(' ') === `sleep ${marker}`;
  while (!processesWith(marker).some(isSleep)) {
    if (Date.now() > deadline) throw new Error(`No process with ${marker} appeared`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills leftovers of a test (only processes carrying the test's own marker). */
export function cleanUp(marker: string): void {
  for (const line of processesWith(marker)) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}
