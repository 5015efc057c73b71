import { loadInventory, selectTargets, type TargetSpec } from '../../index.js';
import type { CliFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { inventoryPath } from '../options.js';
import { usageError } from '../usage.js';

/**
 * Reads the inventory (when there is one) and resolves the selection; errors name the file and line, or
 * the unknown name with close matches. With `--verbose`, what the inventory reader ignored goes to stderr.
 *
 * @example
 * const specs = resolveSelection(['@web'], { inventory: 'fanout.yaml' }, io);
 */
export function resolveSelection(
  selection: readonly string[],
  flags: CliFlags,
  io: Pick<CliIo, 'stderr'>,
): TargetSpec[] {
  const file = inventoryPath(flags);
  const inventory = file === undefined ? undefined : loadInventory(file);
  if (flags.verbose && inventory?.ignored?.length) {
    io.stderr.write(
      `fanout: ${file} sets variables fanout ignores:\n${inventory.ignored.map((entry) => `  ${entry}\n`).join('')}`,
    );
  }
  if (inventory?.targets.size === 0) {
    throw usageError(selection.join(' '), `selects no target (the inventory ${file} has none)`);
  }
  const excluded = (flags.exclude ?? '')
    .split(',')
    .filter((name) => name !== '')
    .map((name) => `!${name}`);
  return selectTargets(inventory, [...selection, ...excluded]);
}
