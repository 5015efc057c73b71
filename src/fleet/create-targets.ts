import { FanoutError } from '../errors.js';
import { getTargetKind, type TargetKindRow } from '../targets/registry.js';
import type { Target } from '../targets/target.js';
import type { TargetSpec } from './inventory.js';
import type { FleetTarget } from './members.js';

/** The inventory's options over its URI over its kind's defaults, through the kind's registry row. */
function createTarget(spec: TargetSpec): Target {
  const kind = getTargetKind(spec.kind) as TargetKindRow<Record<string, unknown>>;
  return kind.create(
    kind.normalizeOptions({ ...spec.defaults, ...kind.parseSpec(spec.uri), ...spec.options }),
  );
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
      const env = spec.env && Object.keys(spec.env).length > 0 ? { env: spec.env } : {};
      return { name: spec.name, target: createTarget(spec), weight: spec.weight, ...env };
    } catch (error) {
      throw new FanoutError(`${spec.source}: target \`${spec.name}\`: ${(error as Error).message}`, {
        code: 'INVENTORY_INVALID',
        target: spec.uri,
        cause: error,
      });
    }
  });
}
