export { createSshTarget, closeSshConnections, type SshTarget } from './target.js';
export type { SshTargetOptions, HostKeyPolicy } from './options.js';
export { getSshPoolStats, type SshPoolStats } from './pool.js';
