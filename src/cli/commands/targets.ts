import type { CliFlags } from '../flags.js';
import { formatTable } from '../format.js';
import type { CommandInput } from '../io.js';
import { usageError } from '../usage.js';
import { resolveSelection } from './select.js';

/**
 * `fanout targets <selection…>`: one row per selected target (name, kind, URI, weight, where declared).
 *
 * @example
 * await targetsCommand({ selection: ['@all'], words: undefined, flags: {}, io });
 */
export async function targetsCommand(input: CommandInput<CliFlags>): Promise<number> {
  if (input.words !== undefined) throw usageError('targets', 'takes no command after `--`');
  const specs = resolveSelection(input.selection, input.flags, input.io);
  const rows = [
    ['NAME', 'KIND', 'URI', 'WEIGHT', 'DECLARED'],
    ...specs.map((spec) => [spec.name, spec.kind, spec.uri, String(spec.weight), spec.source]),
  ];
  input.io.stdout.write(`${formatTable(rows)}\n`);
  return 0;
}
