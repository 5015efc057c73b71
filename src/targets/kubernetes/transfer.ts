import { createExecArchiveHost, type ArchiveHost } from '../../transfer/archive-host.js';
import type { KubernetesTarget } from './target.js';

/**
 * A pod's files as tar over exec (what `kubectl cp` does): the container needs `tar` and `sh`.
 *
 * @example
 * const host = createKubernetesArchiveHost(target);
 */
export function createKubernetesArchiveHost(target: KubernetesTarget): ArchiveHost {
  return createExecArchiveHost(target);
}
