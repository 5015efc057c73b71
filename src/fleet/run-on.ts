import { normalizeMembers, type FleetMember } from './members.js';
import { resolveFleetOptions, type FleetOptions } from './options.js';
import type { FleetReport } from './report.js';
import { FleetRun } from './scheduler.js';

/**
 * Runs one command on every member of a fleet (job `seq` n on member n). Rolling batches in the policy
 * work like Ansible's `serial`: each batch of members finishes before the next starts.
 *
 * @example
 * const report = await runOn(
 *   [createSshTarget('deploy@web1'), createSshTarget('deploy@web2')],
 *   'systemctl restart app',
 *   { policy: { halt: 'soon', threshold: 1, batches: [1, '50%'] }, timeout: '2m' },
 * );
 */
export function runOn(
  targets: readonly FleetMember[],
  command: string,
  options: Partial<FleetOptions> = {},
): Promise<FleetReport> {
  try {
    if (typeof command !== 'string') throw new TypeError('Expected `command` to be a string');
    const members = normalizeMembers(targets);
    const run = new FleetRun(members, resolveFleetOptions(options));
    return run.executePinned(
      members.map((member, index) => ({ seq: index + 1, command, args: [], pin: member })),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}
