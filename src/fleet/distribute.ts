import type { FleetJobInput } from './job.js';
import { normalizeMembers, type FleetMember } from './members.js';
import { resolveFleetOptions, type FleetOptions } from './options.js';
import type { FleetReport } from './report.js';
import { FleetRun } from './scheduler.js';

/**
 * Spreads jobs over a fleet: each job goes to a free slot on the least-loaded member. The input (an array,
 * an iterable or an async iterable) is read only as slots free up, so a million jobs from stdin stay in
 * bounded memory. A failed job is retried on another member when one is up; a member that cannot be reached
 * is marked down and its jobs go elsewhere, so no job is lost; it gets jobs again after a cool-down (5 s, doubling
 * up to 60 s while it stays unreachable). When the number of jobs is known (an array), a member that already
 * ran one takes the next ones until it had its share (jobs over members, by weight), so a host keeps its
 * connection and session agent; a member that gets no more jobs lets go of them at once (`releaseIdle`).
 *
 * @example
 * const report = await distribute(
 *   files.map((file) => `sha256sum ${quote(file)}`),
 *   [{ name: 'alpha', target: localTarget }, { name: 'beta', target: localTarget, weight: 2 }],
 *   { concurrency: 8, retries: 2, policy: { halt: 'soon', threshold: '10%' } },
 * );
 */
export function distribute(
  jobs: Iterable<FleetJobInput> | AsyncIterable<FleetJobInput>,
  targets: readonly FleetMember[],
  options: Partial<FleetOptions> = {},
): Promise<FleetReport> {
  if (
    jobs === null ||
    typeof jobs !== 'object' ||
    !(Symbol.iterator in jobs || Symbol.asyncIterator in jobs)
  ) {
    return Promise.reject(new TypeError('Expected `jobs` to be an array, an iterable or an async iterable'));
  }
  try {
    const members = normalizeMembers(targets);
    return new FleetRun(members, resolveFleetOptions(options)).execute(jobs);
  } catch (error) {
    return Promise.reject(error);
  }
}
