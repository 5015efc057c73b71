import {
  createTargets,
  createTransferJobTarget,
  type FleetTarget,
  type TransferAction,
  type TransferOptions,
  type TransferResult,
} from '../../index.js';
import type { CliFlags } from '../flags.js';
import { formatBytes } from '../format.js';
import type { CommandInput } from '../io.js';
import { resolveSettings } from '../options.js';
import { TransferTally } from '../render/transfer-tally.js';
import { usageError } from '../usage.js';
import { runOnEveryMember } from './run.js';
import { resolveSelection } from './select.js';

/** What `push` and `pull` share: one transfer job per selected target, run by the fleet engine. */
export interface TransferPlan {
  /** The command's name, for usage errors. */
  readonly name: 'push' | 'pull';
  /** The job as the joblog and `--dry-run` show it. */
  readonly description: string;
  /** The job on one member; each transfer it makes reports to `tally` (`onProgress: tally.follow()`). */
  readonly action: (member: FleetTarget, options: TransferOptions, tally: TransferTally) => TransferAction;
}

/** The transfer flags as options. */
export function transferOptions(flags: CliFlags): TransferOptions {
  return {
    checksum: flags.checksum ?? false,
    preserve: flags.preserve ?? false,
    sync: flags.sync ?? false,
    mkdirs: flags.mkdirs ?? false,
  };
}

/**
 * Splits `SELECTION PATH... DESTINATION` and checks there is at least one path.
 *
 * @example
 * splitTransferArgs('push', ['@web', './dist', '/srv']); // { selection: '@web', paths: ['./dist'], destination: '/srv' }
 */
export function splitTransferArgs(
  name: 'push' | 'pull',
  input: CommandInput<CliFlags>,
  usage: string,
): { selection: string; paths: string[]; destination: string } {
  if (input.words !== undefined) throw usageError(name, `takes no command after \`--\`; usage: ${usage}`);
  const [selection, ...rest] = input.selection;
  const destination = rest.at(-1);
  if (selection === undefined || destination === undefined || rest.length < 2)
    throw usageError(name, `expected ${usage}`);
  return { selection, paths: rest.slice(0, -1), destination };
}

/**
 * One line saying what a transfer moved.
 *
 * @example
 * describeTransfer('pushed', './dist', result); // 'pushed ./dist: 12 files (2 up to date), 3.4 MB in 0.8 s'
 */
export function describeTransfer(verb: string, what: string, result: TransferResult): string {
  const skipped = result.skipped > 0 ? ` (${result.skipped} up to date)` : '';
  return `${verb} ${what}: ${result.files} files${skipped}, ${formatBytes(result.bytes)} in ${(result.durationMs / 1000).toFixed(1)} s`;
}

/**
 * Runs a transfer on every selected target as a fleet run: same limits, retries, halt policies, batches,
 * joblog, output modes and progress as `run`.
 *
 * @example
 * return runTransferPlan(input, selection, plan);
 */
export async function runTransferPlan(
  input: CommandInput<CliFlags>,
  selection: string,
  plan: TransferPlan,
): Promise<number> {
  const { io, flags } = input;
  const settings = resolveSettings(flags, io.stderr.isTTY === true);
  const options = transferOptions(flags);
  const tally = new TransferTally();
  const members = createTargets(resolveSelection([selection], flags, io)).map((member) => ({
    ...member,
    target: createTransferJobTarget(member.target, plan.action(member, options, tally)),
  }));
  return runOnEveryMember(settings, members, plan.description, io, { transfers: tally });
}
