import { posix } from 'node:path';
import { quote } from '../internal/quote.js';
import { tempPathFor } from './paths.js';

/**
 * How long every entry of a staged copy must have gone unchanged (by ctime, which no writer can set back,
 * not even with `preserve`) before another upload to the same destination may remove it. A live upload
 * writes into its staged copy as its bytes arrive; a connection stalled that long has been given up (SSH's
 * keepalive does within a minute by default). An upload that still lost its staged copy (a stream source
 * silent for a day) fails when it renames or finalizes it: it never lands anything.
 */
export const STALE_STAGING_SECONDS = 24 * 60 * 60;

/** A shell glob of the staged copies of `root` (one per upload, each with its own 12-hex-digit nonce). */
function stagingGlob(root: string): string {
  const hex = '[0-9a-f]'.repeat(12);
  return `${quote(posix.dirname(root))}/.fanout-${hex}.${quote(posix.basename(root))}`;
}

/** Whether `name`, in the directory of `root`, is a staged copy of `root` other than the one of `nonce`. */
function isOtherStagedCopy(name: string, root: string, nonce: string): boolean {
  const prefix = '.fanout-';
  const tag = name.slice(prefix.length, prefix.length + 12);
  return (
    name.startsWith(prefix) &&
    /^[0-9a-f]{12}$/.test(tag) &&
    tag !== nonce &&
    name.slice(prefix.length + 12) === `.${posix.basename(root)}`
  );
}

/** Staged copies of failed uploads that could not be removed then (the connection was cut), per target id. */
const orphans = new Map<string, Set<string>>();

/**
 * Records the staged copies an upload that failed may have left on a target: the next upload to the same
 * target removes them. Only this process's own uploads are recorded, and only once they have ended, so the
 * removal is safe.
 *
 * @example
 * rememberOrphans(target.id, context.staged);
 */
export function rememberOrphans(target: string, staged: Iterable<string>): void {
  const paths = orphans.get(target) ?? new Set<string>();
  for (const path of staged) paths.add(path);
  if (paths.size > 0) orphans.set(target, paths);
}

/**
 * Whether an upload to `root` on `target` has anything to sweep, given the names in `root`'s directory:
 * this process's failed uploads left staged copies there, or `root` has a staged sibling not its own. Lets
 * an upload that reads the directory anyway skip running the sweep on most uploads.
 *
 * @example
 * if (needsSweep(target.id, root, context.nonce, await fs.readdir(posix.dirname(root)))) …
 */
export function needsSweep(target: string, root: string, nonce: string, names: readonly string[]): boolean {
  return orphans.has(target) || names.some((name) => isOtherStagedCopy(name, root, nonce));
}

/** A clean-up of stale staged copies, to run on the target before an upload; `done` settles the bookkeeping. */
export interface StagingSweep {
  /** Shell lines that never fail: a sweep that cannot finish leaves things for a later one. */
  readonly script: string;
  /** Call with whether the script ran: the orphans it was given are forgotten, or kept for the next one. */
  done(ran: boolean): void;
}

/**
 * The sweep an upload to `root` runs first: it removes the staged copies this process's failed uploads
 * left on the target (see {@link rememberOrphans}) and every staged sibling `.fanout-<nonce>.<name>` of
 * `root` in which nothing has changed for `staleSeconds` (default {@link STALE_STAGING_SECONDS}), which no
 * live upload owns. The upload's own staged copy (`nonce`) is never touched.
 *
 * @example
 * const sweep = sweepStaging(target.id, '/srv/app', context.nonce);
 * await runRemoteScript(target, sweep.script).then(() => sweep.done(true), () => sweep.done(false));
 */
export function sweepStaging(
  target: string,
  root: string,
  nonce: string,
  staleSeconds = STALE_STAGING_SECONDS,
): StagingSweep {
  const own = tempPathFor(root, nonce);
  const taken = [...(orphans.get(target) ?? [])];
  orphans.delete(target);
  const lines = taken.map((path) => `rm -rf -- ${quote(path)} 2>/dev/null`);
  lines.push(
    `now=$(date +%s)`,
    `for f in ${stagingGlob(root)}; do`,
    `  [ "$f" != ${quote(own)} ] && { [ -e "$f" ] || [ -h "$f" ]; } || continue`,
    `  t=$(find "$f" -exec stat -c %Z {} + 2>/dev/null | sort -n | tail -n 1)`,
    `  [ -n "$t" ] && [ $((now - t)) -gt ${staleSeconds} ] && rm -rf -- "$f" 2>/dev/null`,
    `done`,
    `:`,
  );
  return {
    script: `{\n${lines.join('\n')}\n} 2>/dev/null\n`,
    done(ran) {
      if (!ran) rememberOrphans(target, taken);
    },
  };
}
