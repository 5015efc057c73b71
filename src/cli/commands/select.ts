import { loadInventory, selectTargets, type TargetSpec } from '../../index.js';
import type { CliFlags } from '../flags.js';
import { inventoryPath } from '../options.js';
import { usageError } from '../usage.js';

/**
 * Reads the inventory (when there is one) and resolves the selection; errors name the file and line, or
 * the unknown name with close matches.
 *
 * @example
 * const specs = resolveSelection(['@web'], { inventory: 'fanout.yaml' });
 */
export function resolveSelection(selection: readonly string[], flags: CliFlags): TargetSpec[] {
  const file = inventoryPath(flags);
  const inventory = file === undefined ? undefined : loadInventory(file);
  if (inventory?.targets.size === 0) {
    throw usageError(selection.join(' '), `selects no target (the inventory ${file} has none)`);
  }
  const excluded = (flags.exclude ?? '')
    .split(',')
    .filter((name) => name !== '')
    .map((name) => `!${name}`);
  return selectTargets(inventory, [...selection, ...excluded]);
}
