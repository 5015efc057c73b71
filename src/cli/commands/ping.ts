import { createTargets, runOn, type FleetOptions, type JobReport } from '../../index.js';
import { EXIT } from '../exit-code.js';
import type { CliFlags } from '../flags.js';
import { formatDuration, formatTable } from '../format.js';
import type { CommandInput } from '../io.js';
import { resolveSettings } from '../options.js';
import { usageError } from '../usage.js';
import { resolveSelection } from './select.js';
import { disposeTargets } from './session.js';

/** Prints the login user and, from the password database (else `$SHELL`), the login shell; POSIX sh and busybox. */
const PROBE =
  'u=$(id -un 2>/dev/null || whoami); ' +
  `s=$(awk -F: -v u="$u" '$1 == u { print $7; exit }' /etc/passwd 2>/dev/null); ` +
  `printf '%s\\n%s\\n' "$u" "\${s:-\${SHELL:-?}}"`;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Why a probe failed, in one line. */
function reason(job: JobReport | undefined): string {
  if (!job) return 'not run';
  if (job.stage === 'timeout') return 'timed out';
  const message = job.error ?? (job.stderr.trim().split('\n').at(-1) || `exit ${job.exitCode ?? job.signal}`);
  // Errors end with the command they were running: the probe says nothing to the reader.
  const at = message.indexOf(PROBE);
  return (at > 0 ? message.slice(0, at).replace(/[:\s]+$/, '') : message).split('\n')[0]!.slice(0, 200);
}

/**
 * `fanout ping <selection…>`: reaches every selected target once and prints one row each: whether it
 * answered, the time of the first command (connecting included), the round trip of a second one on the
 * open connection, the login user and shell, and why it is down. Exits with the number of targets down
 * (101 for more than 100), 0 when all answered.
 *
 * @example
 * await pingCommand({ selection: ['@all'], words: undefined, flags: {}, io });
 */
export async function pingCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { io, flags } = input;
  if (input.words !== undefined) throw usageError('ping', 'takes no command after `--`');
  const settings = resolveSettings(flags, false);
  if (settings.fleet.adaptive)
    throw usageError('--concurrency', '`auto` is for run, jobs, push and pull: give ping a number');
  const members = createTargets(resolveSelection(input.selection, flags, io));
  const options: Partial<FleetOptions> = {
    concurrency: settings.fleet.concurrency ?? 32,
    timeout: settings.fleet.timeout ?? DEFAULT_TIMEOUT_MS,
  };
  const started = Date.now();
  try {
    const probe = await runOn(members, PROBE, options);
    const bySeq = (report: { jobs: readonly JobReport[] }, seq: number) =>
      report.jobs.find((job) => job.seq === seq);
    const up = members.filter((_, index) => bySeq(probe, index + 1)?.ok);
    const again = up.length > 0 ? await runOn(up, ':', options) : { jobs: [] };
    const rows = members.map((member, index) => {
      const job = bySeq(probe, index + 1);
      if (!job?.ok) return [member.name, 'down', '-', '-', '-', '-', reason(job)];
      const [user = '?', shell = '?'] = job.stdout.split('\n');
      const second = bySeq(again, up.indexOf(member) + 1);
      const latency = second?.ok ? formatDuration(second.durationMs) : '-';
      return [member.name, 'up', formatDuration(job.durationMs), latency, user, shell, ''];
    });
    io.stdout.write(
      `${formatTable([['TARGET', 'REACHABLE', 'CONNECT', 'LATENCY', 'USER', 'SHELL', 'ERROR'], ...rows])}\n`,
    );
    const down = members.length - up.length;
    io.stderr.write(
      `fanout: ${up.length} of ${members.length} reachable in ${formatDuration(Date.now() - started)}` +
        `${down > 0 ? `, ${down} down` : ''}\n`,
    );
    return down > 100 ? EXIT.manyFailed : down;
  } finally {
    await disposeTargets(members);
  }
}
