import type { FleetTarget } from '../index.js';
import { usageError } from './usage.js';

export { openFileLimit } from '../internal/open-file-limit.js';

/** Descriptors the CLI holds whatever the jobs: stdio, the event loop, the joblog, inventory files … */
const BASE_FDS = 32;
/**
 * Descriptors one running job may hold: the three pipes of a local process or session agent (one socket for
 * a Docker or Kubernetes exec), and two temporary files when its output is held (`--output group`).
 * Jobs over SSH share one connection per host, and the connection pool keeps its sockets within half the
 * limit (src/targets/ssh/socket-budget.ts).
 */
const FDS_PER_JOB = 5;

/**
 * The concurrency a run can have without running out of file descriptors: `-j` as given when it fits,
 * else a USAGE error naming -j and the limit; the default is lowered to what fits.
 *
 * @example
 * fitConcurrency({ given: 5000, members, jobs: 10_000, limit: 1024 }) // throws: -j 5000 … at most 179 …
 */
export function fitConcurrency(request: {
  /** `-j`, when given. */
  readonly given: number | undefined;
  readonly fallback: number;
  readonly members: readonly FleetTarget[];
  /** The number of jobs, when known. */
  readonly jobs: number | undefined;
  readonly limit: number | undefined;
}): number {
  const { given, fallback, members, jobs, limit } = request;
  const wanted = given ?? fallback;
  if (limit === undefined) return wanted;
  const running = Math.min(wanted, jobs ?? Infinity);
  const allSsh = members.every((member) => member.target.id.startsWith('ssh://'));
  const perJob = allSsh ? 0 : FDS_PER_JOB;
  const fits = perJob === 0 ? Infinity : Math.floor((limit - BASE_FDS - members.length) / perJob);
  if (running <= fits) return wanted;
  if (given === undefined) return Math.max(1, fits);
  throw usageError(
    '-j',
    `${given} jobs at once do not fit the open-file limit of ${limit} (ulimit -n): at most ${Math.max(0, fits)} do, at ${perJob} file descriptors per job; lower -j or raise the hard limit`,
  );
}
