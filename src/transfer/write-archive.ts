import { posix } from 'node:path';
import { quote } from '../internal/quote.js';
import type { ArchiveHost } from './archive-host.js';
import type { SentDigest, TransferContext } from './context.js';
import type { EntrySource, TransferEntry } from './entry.js';
import { joinEntry, tempPathFor } from './paths.js';
import { runRemoteScript } from './remote-script.js';
import { sweepStaging } from './staging.js';
import { encodeTar } from './tar-encode.js';
import { isUpToDate } from './write-file-system.js';

/** A file or link sent inside the temporary tree (or, for a single file, under its temporary name). */
interface Placed {
  /** Where it is staged, relative to the temporary root. */
  readonly path: string;
  readonly entry: TransferEntry;
  body: SentDigest | undefined;
}

/** File and link names per staged directory, for one `mv` each: bounded so the command line stays short. */
const NAMES_PER_MOVE = 256;

const MISSING_PARENT = 3;

/** Checks (or creates) the parent directory and, with `sync`, lists the files already at the destination. */
async function prepare(
  host: ArchiveHost,
  root: string,
  context: TransferContext,
): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const parent = quote(posix.dirname(root));
  const sweep = sweepStaging(host.target.id, root, context.nonce);
  const lines = [
    context.options.mkdirs
      ? `mkdir -p ${parent} || exit 1`
      : `[ -d ${parent} ] || { echo "Directory ${posix.dirname(root)} does not exist (pass mkdirs to create it)" >&2; exit ${MISSING_PARENT}; }`,
    sweep.script,
  ];
  if (context.options.sync) {
    const target = quote(root);
    lines.push(
      `if [ -d ${target} ]; then cd ${target} && find . -type f -exec stat -c '%s %Y %n' {} +; elif [ -f ${target} ]; then stat -c '%s %Y .' ${target}; fi`,
    );
  }
  const listing = await runRemoteScript(host.target, lines.join('\n')).then(
    (output) => {
      sweep.done(true);
      return output;
    },
    (error: unknown) => {
      sweep.done(false);
      throw error;
    },
  );
  const existing = new Map<string, { size: number; mtimeMs: number }>();
  for (const line of listing.split('\n')) {
    const match = /^(\d+) (\d+) (.*)$/.exec(line);
    if (!match) continue;
    const path = match[3] === '.' ? '' : match[3]!.replace(/^\.\//, '');
    existing.set(path, { size: Number(match[1]), mtimeMs: Number(match[2]) * 1000 });
  }
  return existing;
}

/** A directory of the tree: staged with its mode, kept (and its mode set) where one already exists. */
interface StagedDirectory {
  /** Relative to the transfer's root. */
  readonly path: string;
  readonly mode: number;
  readonly mtimeMs: number;
}

const FUNCTIONS = [
  `fail() { printf '%s\\n' "$1" >&2; exit 1; }`,
  `sum() { set -- "$1" "$2" "$(sha256sum < "$1")"; [ "\${3%% *}" = "$2" ] || fail "CHECKSUM $1"; }`,
  `put() { if [ -d "$2" ] && [ ! -h "$2" ]; then fail "$2 is a directory"; fi; mv -f -T -- "$1" "$2" || exit 1; }`,
  // dir STAGED FINAL MODE: the staged subtree takes FINAL's name in one rename when nothing is there;
  // otherwise FINAL must be a directory (never a link), gets MODE and is filled entry by entry.
  `dir() { [ -d "$1" ] || return 0; if [ ! -e "$2" ] && [ ! -h "$2" ]; then e=$(mv -T -- "$1" "$2" 2>&1) && return 0; [ -e "$2" ] || fail "$e"; fi; { [ -d "$2" ] && [ ! -h "$2" ]; } || fail "Cannot write $2: a file of that name is in the way"; chmod "$3" "$2" || exit 1; }`,
  // files STAGED_DIR FINAL_DIR NAME...: each file or link replaces its final name in one rename.
  `files() { [ -d "$1" ] || return 0; (t=$2; cd "$1" && shift 2 && exec mv -f -t "$t" -- "$@") || exit 1; }`,
];

/**
 * The shell script that verifies (with `checksum`) what was staged under `temp` and moves it to `root`:
 * a single file by one rename; a tree by one rename when `root` is new, else merged into the existing
 * tree directory by directory, each file replacing its final name atomically.
 */
function finalizeScript(
  root: string,
  temp: string,
  directories: readonly StagedDirectory[],
  placed: readonly Placed[],
  options: { checksum: boolean; preserve: boolean },
): string {
  // An upload that lost its staged copy to a sweep fails here rather than land nothing, or a part.
  const lines = [
    ...FUNCTIONS,
    `[ -e ${quote(temp)} ] || [ -h ${quote(temp)} ] || fail ${quote(`The staged copy ${temp} is gone`)}`,
  ];
  if (options.checksum)
    for (const item of placed)
      if (item.body) lines.push(`sum ${quote(joinEntry(temp, item.path))} ${item.body.digest()}`);
  if (directories.length === 0) {
    lines.push(`put ${quote(temp)} ${quote(root)}`);
    return `${lines.join('\n')}\n`;
  }
  const names = new Map<string, string[]>();
  for (const item of placed) {
    const directory = posix.dirname(item.path);
    const key = directory === '.' ? '' : directory;
    const list = names.get(key) ?? [];
    list.push(posix.basename(item.path));
    names.set(key, list);
  }
  for (const directory of directories) {
    const staged = quote(joinEntry(temp, directory.path));
    const final = quote(joinEntry(root, directory.path));
    lines.push(`dir ${staged} ${final} ${(directory.mode & 0o7777).toString(8)}`);
    const list = names.get(directory.path) ?? [];
    for (let i = 0; i < list.length; i += NAMES_PER_MOVE)
      lines.push(
        `files ${staged} ${final} ${list
          .slice(i, i + NAMES_PER_MOVE)
          .map(quote)
          .join(' ')}`,
      );
  }
  // Moving entries into a directory changes its time: set them last, deepest first.
  if (options.preserve)
    for (const directory of [...directories].reverse())
      lines.push(
        `touch -m -d @${Math.floor(directory.mtimeMs / 1000)} ${quote(joinEntry(root, directory.path))} 2>/dev/null`,
      );
  lines.push(`rm -rf -- ${quote(temp)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Uploads entries to a target as one tar archive, staged under a temporary name beside `root` (a single
 * file, or a whole tree), then one script that checks each file's sha256 (with `checksum`) and moves the
 * staged copy to `root`: a new tree appears under its name in one rename, an existing one is filled with
 * each file renamed over its final name. Nothing partial ever has a final name; on any failure or
 * cancellation the staged copy is removed.
 *
 * @example
 * await writeToArchiveHost(createDockerArchiveHost(target), '/srv/app', entries, context);
 */
export async function writeToArchiveHost(
  host: ArchiveHost,
  root: string,
  entries: EntrySource,
  context: TransferContext,
): Promise<void> {
  const existing = await prepare(host, root, context).catch((error: unknown) => {
    if ((error as { exitCode?: number }).exitCode === MISSING_PARENT)
      throw context.error('TRANSFER_FAILED', (error as Error).message, posix.dirname(root));
    throw context.failure(error, posix.dirname(root), 'prepare');
  });
  const parent = posix.dirname(root);
  const temp = tempPathFor(root, context.nonce);
  const tempName = posix.basename(temp);
  const now = Date.now();
  const directories: StagedDirectory[] = [];
  const placed: Placed[] = [];

  async function* stage(): AsyncGenerator<TransferEntry> {
    for await (const entry of entries) {
      context.checkEntryPath(entry.path);
      const path = joinEntry(tempName, entry.path);
      const mtimeMs = context.options.preserve ? entry.mtimeMs : now;
      if (entry.type === 'directory') {
        directories.push({ path: entry.path, mode: entry.mode, mtimeMs });
        yield { ...entry, path, mtimeMs };
        continue;
      }
      if (context.options.sync && entry.type === 'file' && isUpToDate(existing.get(entry.path), entry)) {
        context.skip(entry);
        continue;
      }
      const item: Placed = { path: entry.path, entry, body: undefined };
      placed.push(item);
      const readAll = entry.readAll;
      yield {
        ...entry,
        path,
        mtimeMs,
        open: () => (item.body = context.meter(entry, entry.open())).stream,
        ...(readAll && {
          readAll: async () => {
            const data = await readAll();
            item.body = context.meterWhole(entry, data);
            return data;
          },
        }),
      };
    }
  }

  context.staged.add(temp);
  try {
    await host.putArchive(parent, tempName, encodeTar(stage()), context.signal);
    if (context.signal.aborted) throw context.cancellation();
    for (const item of placed) {
      const source = await item.entry.sourceSha256?.();
      if (source !== undefined && source !== item.body?.digest())
        throw context.error(
          'CHECKSUM_MISMATCH',
          `${item.entry.path || 'The source'} changed while being sent`,
          item.entry.path,
        );
    }
    if (placed.length === 0 && directories.length === 0) return void context.staged.delete(temp);
    const script = finalizeScript(root, temp, directories, placed, context.options);
    await runRemoteScript(host.target, 'sh', Buffer.from(script)).catch((error: unknown) => {
      const message = (error as Error).message;
      if (message.startsWith('CHECKSUM ')) {
        const path = message.slice(9);
        throw context.error('CHECKSUM_MISMATCH', `${path} arrived corrupt (sha256 differs)`, path);
      }
      throw error;
    });
    for (const item of placed) if (item.entry.type === 'symlink') context.linked(item.entry);
    context.staged.delete(temp);
  } catch (error) {
    await runRemoteScript(host.target, 'sh', Buffer.from(`rm -rf -- ${quote(temp)}\n`)).then(
      () => context.staged.delete(temp),
      () => {},
    );
    throw context.failure(error, root, 'upload to');
  }
}
