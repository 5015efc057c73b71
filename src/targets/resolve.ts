import { FanoutError } from '../errors.js';
import { createTargetOfKind, describeTargetUris, findTargetKind, type TargetKindRow } from './registry.js';
import type { Target } from './target.js';

/**
 * Turns a target URI into a target through the registry: `local`, `ssh://user@host:port`,
 * `docker://container`, `k8s://namespace/pod/container`. An unknown scheme throws CONFIG_INVALID.
 *
 * @example
 * const web = resolveTarget('ssh://deploy@web1:2222');
 */
export function resolveTarget(uri: string): Target {
  const kind = findTargetKind(uri) as TargetKindRow | undefined;
  if (!kind) {
    throw new FanoutError(`Unknown target \`${uri}\`: expected ${describeTargetUris()}`, {
      code: 'CONFIG_INVALID',
      target: uri,
    });
  }
  return createTargetOfKind(kind, uri);
}
