import { FanoutError } from '../errors.js';
import { createDockerTarget } from '../targets/docker/index.js';
import { createKubernetesTarget } from '../targets/kubernetes/index.js';
import { localTarget } from '../targets/local.js';
import { createSshTarget, type SshTargetOptions } from '../targets/ssh/index.js';
import type { Target } from '../targets/target.js';
import type { TargetSpec } from './inventory.js';
import type { FleetTarget } from './members.js';

/** `ssh://user@host:port` → its parts (decoded), for merging with the inventory's options. */
function sshParts(uri: string): Record<string, unknown> {
  const url = new URL(uri);
  const parts: Record<string, unknown> = { host: url.hostname.replace(/^\[(.*)\]$/, '$1') };
  if (url.username) parts.user = decodeURIComponent(url.username);
  if (url.port) parts.port = Number(url.port);
  return parts;
}

function createTarget(spec: TargetSpec): Target {
  switch (spec.kind) {
    case 'local':
      return localTarget;
    case 'ssh':
      return createSshTarget({
        ...spec.defaults,
        ...sshParts(spec.uri),
        ...spec.options,
      } as unknown as SshTargetOptions);
    case 'docker': {
      const container = spec.uri.slice('docker://'.length);
      return createDockerTarget({ ...spec.defaults, container, ...spec.options });
    }
    case 'k8s':
      return createKubernetesTarget(spec.uri);
  }
}

/**
 * Makes the fleet members an inventory selection names; bad target options are an INVENTORY_INVALID error
 * naming where the target was declared.
 *
 * @example
 * const members = createTargets(selectTargets(loadInventory('fanout.yaml'), ['@web']));
 */
export function createTargets(specs: readonly TargetSpec[]): FleetTarget[] {
  return specs.map((spec) => {
    try {
      return { name: spec.name, target: createTarget(spec), weight: spec.weight };
    } catch (error) {
      throw new FanoutError(`${spec.source}: target \`${spec.name}\`: ${(error as Error).message}`, {
        code: 'INVENTORY_INVALID',
        target: spec.uri,
        cause: error,
      });
    }
  });
}
