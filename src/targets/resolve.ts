import { FanoutError } from '../errors.js';
import { createDockerTarget } from './docker/index.js';
import { createKubernetesTarget } from './kubernetes/index.js';
import { localTarget } from './local.js';
import { createSshTarget } from './ssh/index.js';
import type { Target } from './target.js';

/**
 * Turns a target URI into a target: `local`, `ssh://user@host:port`, `docker://container`,
 * `k8s://namespace/pod/container`.
 *
 * @example
 * const web = resolveTarget('ssh://deploy@web1:2222');
 */
export function resolveTarget(uri: string): Target {
  if (uri === 'local' || uri === 'local://') return localTarget;
  if (uri.startsWith('ssh://')) return createSshTarget(uri);
  if (uri.startsWith('docker://')) return createDockerTarget(uri);
  if (uri.startsWith('k8s://')) return createKubernetesTarget(uri);
  throw new FanoutError(
    `Unknown target \`${uri}\`: expected local, ssh://user@host:port, docker://container or k8s://namespace/pod/container`,
    { code: 'CONFIG_INVALID', target: uri },
  );
}
