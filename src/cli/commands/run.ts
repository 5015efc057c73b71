import type { TransferTally } from '../render/transfer-tally.js';
import { createTargets, readJoblog, redactSecrets, runOn, type FleetTarget } from '../../index.js';
import type { CliFlags } from '../flags.js';
import { countOf } from '../format.js';
import type { CliIo, CommandInput } from '../io.js';
import { resolveSettings, type RunSettings } from '../options.js';
import { checkCommandText } from '../../fleet/template.js';
import { applyRunAs } from '../run-as.js';
import { usageError } from '../usage.js';
import { resolveSelectionGroups } from './select.js';
import { runSession } from './session.js';

/**
 * `fanout run <selection…> -- <command…>`: the same command on every selected target.
 *
 * @example
 * await runCommand({ selection: ['@web'], words: ['uptime'], flags: {}, io });
 */
export async function runCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { io, flags } = input;
  const settings = resolveSettings(flags, io.stderr.isTTY === true);
  if (input.words === undefined || input.words.length === 0) {
    throw usageError('run', 'expected the command after `--`, e.g. fanout run @web -- uptime');
  }
  const command = input.words.join(' ');
  checkCommandText(command);
  const { specs, groupOf } = resolveSelectionGroups(input.selection, flags, io);
  const selected = createTargets(specs);
  // A resumed `run` skips the targets the joblog records (all of them, or those that succeeded).
  const done =
    settings.resume && settings.joblog
      ? new Set(
          readJoblog(settings.joblog)
            .filter((entry) => settings.resume === 'resume' || (entry.exitValue === 0 && entry.signal === 0))
            .map((entry) => entry.host),
        )
      : new Set<string>();
  const members = await applyRunAs(
    selected.filter((member) => !done.has(member.name)),
    flags,
    io,
  );
  if (settings.resume && settings.progress !== 'none') {
    io.stderr.write(
      `fanout: resuming: skipping ${countOf(selected.length - members.length, 'target')} recorded in ${settings.joblog}\n`,
    );
  }
  if (members.length === 0) return 0;
  return runOnEveryMember(settings, members, command, io, { groupOf });
}

/**
 * One job per member, all the same command, labelled by target (what `run`, `push` and `pull` do); with
 * `--dry-run` the jobs are listed instead.
 *
 * @example
 * return runOnEveryMember(settings, members, 'uptime', io);
 */
export async function runOnEveryMember(
  settings: RunSettings,
  members: readonly FleetTarget[],
  command: string,
  io: CliIo,
  progress: {
    /** The group progress counts a target under; default its kind. */
    readonly groupOf?: (target: string) => string;
    /** Bytes and files the jobs move (`push`, `pull`). */
    readonly transfers?: TransferTally;
  } = {},
): Promise<number> {
  if (settings.dryRun) {
    for (const member of members) io.stdout.write(`${member.name}\t${redactSecrets(command)}\n`);
    return 0;
  }
  return runSession(
    {
      settings,
      members,
      total: members.length,
      ...progress,
      // One job per target: each group's total is its number of targets.
      jobsPerTarget: 1,
      label: (target) => target,
      collapseLabel: (target) => target,
      resultsName: (target) => target,
      start: (options) => runOn(members, command, options),
    },
    io,
  );
}
