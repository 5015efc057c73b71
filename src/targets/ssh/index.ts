import type { Target } from '../target.js';

/** How to reach an SSH host. */
export interface SshTargetOptions {
  readonly host: string;
}

/** A target that runs commands on an SSH host. */
export function createSshTarget(spec: string | SshTargetOptions): Target {
  throw new Error(`The SSH target is not built yet: ${JSON.stringify(spec)}`);
}
