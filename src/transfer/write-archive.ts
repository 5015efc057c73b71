import { posix } from 'node:path';
import { quote } from '../internal/quote.js';
import type { ArchiveHost } from './archive-host.js';
import type { MeteredBody, TransferContext } from './context.js';
import type { EntrySource, TransferEntry } from './entry.js';
import { isSafeEntryPath, joinEntry, tempPathFor } from './paths.js';
import { runRemoteScript } from './remote-script.js';
import { encodeTar } from './tar-encode.js';
import { isUpToDate } from './write-file-system.js';

/** A file or link sent under its temporary name, renamed once everything arrived. */
interface Placed {
  readonly temp: string;
  readonly final: string;
  readonly entry: TransferEntry;
  body: MeteredBody | undefined;
}

const MISSING_PARENT = 3;

/** Checks (or creates) the parent directory and, with `sync`, lists the files already at the destination. */
async function prepare(
  host: ArchiveHost,
  root: string,
  context: TransferContext,
): Promise<Map<string, { size: number; mtimeMs: number }>> {
  const parent = quote(posix.dirname(root));
  const lines = [
    context.options.mkdirs
      ? `mkdir -p ${parent} || exit 1`
      : `[ -d ${parent} ] || { echo "Directory ${posix.dirname(root)} does not exist (pass mkdirs to create it)" >&2; exit ${MISSING_PARENT}; }`,
  ];
  if (context.options.sync) {
    const target = quote(root);
    lines.push(
      `if [ -d ${target} ]; then cd ${target} && find . -type f -exec stat -c '%s %Y %n' {} +; elif [ -f ${target} ]; then stat -c '%s %Y .' ${target}; fi`,
    );
  }
  const listing = await runRemoteScript(host.target, lines.join('\n'));
  const existing = new Map<string, { size: number; mtimeMs: number }>();
  for (const line of listing.split('\n')) {
    const match = /^(\d+) (\d+) (.*)$/.exec(line);
    if (!match) continue;
    const path = match[3] === '.' ? '' : match[3]!.replace(/^\.\//, '');
    existing.set(path, { size: Number(match[1]), mtimeMs: Number(match[2]) * 1000 });
  }
  return existing;
}

/** The shell script that verifies (with `checksum`) and renames every temporary file. */
function finalizeScript(placed: readonly Placed[], checksum: boolean): string {
  const lines = [
    `fail() { printf '%s\\n' "$1" >&2; exit 1; }`,
    `sum() { set -- "$1" "$2" "$(sha256sum < "$1")"; [ "\${3%% *}" = "$2" ] || fail "CHECKSUM $1"; }`,
    `put() { if [ -d "$2" ] && [ ! -h "$2" ]; then fail "$2 is a directory"; fi; mv -f "$1" "$2" || exit 1; }`,
  ];
  if (checksum)
    for (const item of placed) if (item.body) lines.push(`sum ${quote(item.temp)} ${item.body.digest()}`);
  for (const item of placed) lines.push(`put ${quote(item.temp)} ${quote(item.final)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Uploads entries to a container or pod as one tar archive: files and links under temporary names in
 * their own directories, then one script that checks their sha256 (with `checksum`) and renames them over
 * the final names. On any failure or cancellation the temporary files are removed.
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
  const name = posix.basename(root);
  const now = Date.now();
  const placed: Placed[] = [];

  async function* stage(): AsyncGenerator<TransferEntry> {
    for await (const entry of entries) {
      if (!isSafeEntryPath(entry.path))
        throw context.error(
          'UNSAFE_PATH',
          `Refused entry ${JSON.stringify(entry.path)}: it leaves the destination`,
          entry.path,
        );
      const relative = joinEntry(name, entry.path);
      const mtimeMs = context.options.preserve ? entry.mtimeMs : now;
      if (entry.type === 'directory') {
        yield { ...entry, path: relative, mtimeMs };
        continue;
      }
      if (context.options.sync && entry.type === 'file' && isUpToDate(existing.get(entry.path), entry)) {
        context.skip(entry);
        continue;
      }
      const temp = tempPathFor(relative, context.nonce);
      const item: Placed = {
        temp: posix.join(parent, temp),
        final: posix.join(parent, relative),
        entry,
        body: undefined,
      };
      placed.push(item);
      yield {
        ...entry,
        path: temp,
        mtimeMs,
        open: () => (item.body = context.meter(entry, entry.open())).stream,
      };
    }
  }

  try {
    await host.putArchive(parent, encodeTar(stage()), context.signal);
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
    for (const item of placed) if (item.entry.type === 'symlink') context.linked(item.entry);
    if (placed.length === 0) return;
    await runRemoteScript(
      host.target,
      'sh',
      Buffer.from(finalizeScript(placed, context.options.checksum)),
    ).catch((error: unknown) => {
      const message = (error as Error).message;
      if (message.startsWith('CHECKSUM '))
        throw context.error(
          'CHECKSUM_MISMATCH',
          `${message.slice(9)} arrived corrupt (sha256 differs)`,
          message.slice(9),
        );
      throw error;
    });
  } catch (error) {
    const temps = placed.map((item) => quote(item.temp));
    await runRemoteScript(host.target, 'sh', Buffer.from(`rm -f ${temps.join(' ')}\n`)).catch(() => {});
    throw context.failure(error, root, 'upload to');
  }
}
