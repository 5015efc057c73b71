import { dockerAbout } from './docker/about.js';
import { kubernetesAbout } from './kubernetes/about.js';
import { sshAbout } from './ssh/about.js';

/** How help and messages name this machine: the part of its registry row (registry.ts) that loads nothing. */
export const localAbout = {
  scheme: 'local' as const,
  uriForm: 'local',
  summary: 'this machine',
};

/**
 * What help says of each kind of target, in the order of `TARGET_KINDS`, without loading any kind's code:
 * `fanout --help` reads this, so it starts as fast as a command that runs no target.
 */
export const TARGET_KIND_ABOUT = [localAbout, sshAbout, dockerAbout, kubernetesAbout] as const;
