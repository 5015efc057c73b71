import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { localFleet } from './cli.js';
import type { SshFixtureHost } from './sshd.js';

/**
 * An inventory of the sshd fixtures `h1…` (plus `extra` hosts `x1…`, and local targets named in `locals`), their
 * key and known_hosts given once in `defaults.ssh`.
 */
export function sshInventory(
  extra: readonly SshFixtureHost[] = [],
  locals: readonly string[] = [],
): { dir: string; inventory: string } {
  const ssh = inject('ssh');
  const { dir } = localFleet(2);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, [...ssh.hosts, ...extra].map((host) => host.knownHostsLine).join('\n') + '\n');
  const inventory = join(dir, 'fanout.yaml');
  writeFileSync(
    inventory,
    [
      'defaults:',
      '  ssh:',
      `    user: ${ssh.user}`,
      `    identityFile: ${ssh.identityFile}`,
      `    knownHostsFile: ${knownHosts}`,
      '    configFile: false',
      'targets:',
      ...ssh.hosts.map((host, index) => `  h${index + 1}: ssh://${host.host}:${host.port}`),
      ...extra.map((host, index) => `  x${index + 1}: ssh://${host.host}:${host.port}`),
      ...locals.map((name) => `  ${name}: local`),
      'groups:',
      `  fixtures: [${ssh.hosts.map((_, index) => `h${index + 1}`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  return { dir, inventory };
}

/** An inventory of the Docker fixture containers (`c1…`), the daemon's socket given once in `defaults.docker`. */
export function dockerInventory(): { dir: string; inventory: string; count: number } {
  const docker = inject('docker');
  const { dir } = localFleet(2);
  const inventory = join(dir, 'fanout.yaml');
  writeFileSync(
    inventory,
    [
      'defaults:',
      `  docker: { socketPath: ${docker.socketPath} }`,
      'targets:',
      ...docker.containers.map((name, index) => `  c${index + 1}: docker://${name}`),
      '',
    ].join('\n'),
  );
  return { dir, inventory, count: docker.containers.length };
}
