import type { TargetKindRow } from '../registry.js';
import { sshAbout } from './about.js';
import { parseSshSpec, validateSshOptions, type SshTargetOptions } from './options.js';
import { createSshTarget } from './target.js';

export { createSshTarget, closeSshConnections, type SshTarget } from './target.js';
export type { SshTargetOptions, HostKeyPolicy } from './options.js';
export { getSshPoolStats, type SshPoolStats } from './pool.js';

/** The registry row of SSH hosts. */
export const sshKind = {
  ...sshAbout,
  optionKeys: [
    'user',
    'port',
    'identityFile',
    'knownHostsFile',
    'configFile',
    'hostKeyPolicy',
    'password',
    'agent',
    'proxyJump',
    'connectTimeout',
    'keepalive',
    'maxChannels',
    'idleTimeout',
    'session',
  ],
  insecureOption: (key: string, value: unknown) =>
    key === 'hostKeyPolicy' && value === 'insecure'
      ? 'turns off host-key checking (anyone on the path can pose as the host)'
      : key === 'password'
        ? 'puts a password in a file (use keys or an agent)'
        : undefined,
  parseSpec: parseSshSpec,
  normalizeOptions: validateSshOptions,
  create: createSshTarget,
} satisfies TargetKindRow<SshTargetOptions, SshTargetOptions>;
