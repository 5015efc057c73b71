import { lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { FanoutError } from '../errors.js';
import { isUnreachable } from '../fleet/execute.js';
import { quote } from '../internal/quote.js';
import { LocalTarget } from '../targets/local.js';
import type { ExitStatus, RunningCommand, SpawnRequest, Target } from '../targets/target.js';
import { runRemoteScript } from './remote-script.js';
import { download, upload } from './transfer.js';

/** Files that travel with one job, as GNU parallel's `--transferfile`, `--return` and `--cleanup`. */
export interface JobFiles {
  /** Local files or trees sent to the target before the job. */
  readonly send: readonly string[];
  /** Files fetched from the target after the job, to the same path here. */
  readonly fetch: readonly string[];
  /** Remove the sent and fetched files on the target after the job (and their directories left empty). */
  readonly cleanup: boolean;
}

/** Where a path goes on each side: GNU parallel's rule, `/./` marking where the target's part starts. */
export interface PlacedPath {
  /** The path here, as given with the `/./` removed. */
  readonly local: string;
  /** The path on the target: absolute, or relative to its working directory. */
  readonly remote: string;
}

/**
 * Places a job file on both sides: a relative path keeps its place below the target's working directory,
 * an absolute one its place, and the part after a `/./` goes below the working directory. Throws a
 * TypeError for a path that names the working directory itself or climbs out of it.
 *
 * @example
 * placeJobPath('/tmp/./foo/bar'); // { local: '/tmp/foo/bar', remote: 'foo/bar' }
 */
export function placeJobPath(path: string): PlacedPath {
  const marker = path.indexOf('/./');
  const local = marker < 0 ? path : path.slice(0, marker) + path.slice(marker + 2);
  const remote = posix.normalize(marker < 0 ? path : path.slice(marker + 3));
  if (remote === '.' || remote === '/' || remote === '..' || remote.startsWith('../'))
    throw new TypeError(`\`${path}\` is not a file below the target's working directory`);
  return { local, remote };
}

/** Parent directories of a relative path, deepest first: `a/b/c` → `a/b a`. */
function parentsOf(relative: string): string[] {
  const parents: string[] = [];
  for (let dir = posix.dirname(relative); dir !== '.' && !dir.startsWith('/'); dir = posix.dirname(dir))
    parents.push(dir);
  return parents;
}

async function existsHere(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Each target's working directory, asked once: it stays the same while the target lives. */
const workdirs = new WeakMap<Target, Promise<string>>();

function workdirOf(target: Target): Promise<string> {
  let workdir = workdirs.get(target);
  if (!workdir) {
    workdir = runRemoteScript(target, 'pwd').then((out) => out.trim());
    workdirs.set(target, workdir);
    // A target that could not be asked is asked again by the next job.
    workdir.catch(() => workdirs.delete(target));
  }
  return workdir;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A target that runs each command with files travelling beside it: the files in `send` are uploaded to the
 * target first (a missing one fails the job before it starts), the command runs in the target's working
 * directory, then the files in `fetch` come back (one the command did not create fails the job), and with
 * `cleanup` both are removed from the target. On the local target the files are already in place: nothing
 * moves and nothing is removed. Transfer failures are exit status 1 with the reason on stderr; a target that
 * cannot be reached stays unreachable, so the job may be retried elsewhere.
 *
 * @example
 * const target = createJobFilesTarget(ssh, { send: ['in/a.gz'], fetch: ['in/a.bz2'], cleanup: true });
 */
export function createJobFilesTarget(inner: Target, files: JobFiles): Target {
  return {
    id: inner.id,
    spawn(request: SpawnRequest): RunningCommand {
      const controller = new AbortController();
      let running: RunningCommand | undefined;
      let killedBy: NodeJS.Signals | null = null;
      const complain = (text: string): void => request.onStderr(Buffer.from(`fanout: ${text}\n`));
      const failed: ExitStatus = { exitCode: 1, signal: null };

      async function start(): Promise<ExitStatus> {
        const send = files.send.map(placeJobPath);
        const fetch = files.fetch.map(placeJobPath);
        for (const { local } of send)
          if (!(await existsHere(local))) {
            complain(`--transfer: ${local} does not exist here`);
            return failed;
          }
        if (inner instanceof LocalTarget) return runLocally(fetch);
        const workdir = await workdirOf(inner);
        const onTarget = (remote: string): string => posix.resolve(workdir, remote);
        const transferOptions = { mkdirs: true, signal: controller.signal };
        try {
          for (const { local, remote } of send) {
            try {
              await upload(inner, local, onTarget(remote), transferOptions);
            } catch (error) {
              if (killedBy || isUnreachable(error)) throw error;
              complain(`--transfer: cannot send ${local} to ${inner.id}: ${describe(error)}`);
              return failed;
            }
          }
          if (killedBy) return { exitCode: null, signal: killedBy };
          running = inner.spawn(request);
          const status = await running.exited;
          running = undefined;
          if (killedBy) return status;
          let missing = false;
          for (const { local, remote } of fetch) {
            try {
              await download(inner, onTarget(remote), local, transferOptions);
            } catch (error) {
              if (killedBy || isUnreachable(error)) throw error;
              missing = true;
              complain(
                (error as FanoutError).code === 'SOURCE_NOT_FOUND'
                  ? `--return: the job did not create ${remote} on ${inner.id}`
                  : `--return: cannot fetch ${remote} from ${inner.id}: ${describe(error)}`,
              );
            }
          }
          return missing && status.exitCode === 0 ? failed : status;
        } catch (error) {
          if (killedBy) return { exitCode: null, signal: killedBy };
          throw error;
        } finally {
          if (files.cleanup) {
            const removal = removeFromTarget(inner, workdir, [...send, ...fetch]);
            // After a kill the job must end at once, even when the target no longer answers.
            if (!killedBy) await removal;
          }
        }
      }

      async function runLocally(fetch: readonly PlacedPath[]): Promise<ExitStatus> {
        if (killedBy) return { exitCode: null, signal: killedBy };
        running = inner.spawn(request);
        const status = await running.exited;
        let missing = false;
        for (const { local } of fetch)
          if (!(await existsHere(local))) {
            missing = true;
            complain(`--return: the job did not create ${local}`);
          }
        return missing && status.exitCode === 0 ? failed : status;
      }

      return {
        exited: start(),
        kill(signal) {
          killedBy ??= signal;
          if (running) running.kill(signal);
          else controller.abort(new Error(`Killed by ${signal}`));
        },
      };
    },
    // The member's target belongs to the run, not to this job.
    dispose: async () => {},
    releaseIdle: () => inner.releaseIdle?.(),
  };
}

/** Removes the job's files on the target, then their relative parent directories that are left empty. */
async function removeFromTarget(
  target: Target,
  workdir: string,
  paths: readonly PlacedPath[],
): Promise<void> {
  const remotes = paths.map(({ remote }) => remote);
  const parents = [...new Set(remotes.flatMap(parentsOf))].sort((a, b) => b.length - a.length);
  const lines = [`cd ${quote(workdir)} || exit 1`, `rm -rf -- ${remotes.map(quote).join(' ')}`];
  if (parents.length > 0) lines.push(`rmdir -- ${parents.map(quote).join(' ')} 2>/dev/null`);
  lines.push('exit 0');
  await runRemoteScript(target, 'sh', Buffer.from(`${lines.join('\n')}\n`)).catch(() => {});
}
