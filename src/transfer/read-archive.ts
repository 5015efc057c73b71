import { posix } from 'node:path';
import { quote } from '../internal/quote.js';
import type { ArchiveHost } from './archive-host.js';
import type { TransferContext } from './context.js';
import type { TransferEntry } from './entry.js';
import { runRemoteScript } from './remote-script.js';
import { decodeTar } from './tar-decode.js';

const MISSING = 3;

/** Checks that `root` exists and, with `checksum`, hashes its files where they live: path → sha256. */
async function inspect(
  host: ArchiveHost,
  root: string,
  context: TransferContext,
): Promise<Map<string, string>> {
  const lines = [`[ -e ${quote(root)} ] || [ -h ${quote(root)} ] || exit ${MISSING}`];
  if (context.options.checksum)
    lines.push(
      `cd ${quote(posix.dirname(root))} && find ${quote(posix.basename(root))} -type f -exec sha256sum {} +`,
    );
  const output = await runRemoteScript(host.target, lines.join('\n')).catch((error: unknown) => {
    if ((error as { exitCode?: number }).exitCode === MISSING)
      throw context.error('SOURCE_NOT_FOUND', `${root} does not exist`, root);
    throw context.failure(error, root, 'read');
  });
  const hashes = new Map<string, string>();
  const name = posix.basename(root);
  for (const line of output.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (!match) continue;
    const path = match[2]!;
    hashes.set(path === name ? '' : path.slice(name.length + 1), match[1]!);
  }
  return hashes;
}

/**
 * Downloads `root` from a container or pod as a tar archive, its entries renamed relative to `root`. An
 * entry outside `root` keeps a path that the writer refuses. With `checksum`, each file carries the sha256
 * its host computed before sending.
 *
 * @example
 * await writeToFileSystem(localFileSystem, './logs', readFromArchiveHost(host, '/var/log/app', context), context);
 */
export async function* readFromArchiveHost(
  host: ArchiveHost,
  root: string,
  context: TransferContext,
): AsyncGenerator<TransferEntry> {
  const hashes = await inspect(host, root, context);
  const archive = await host.getArchive(root, context.signal).catch((error: unknown) => {
    throw context.failure(error, root, 'read');
  });
  const name = posix.basename(root);
  try {
    for await (const entry of decodeTar(archive)) {
      const path =
        entry.path === name
          ? ''
          : entry.path.startsWith(`${name}/`)
            ? entry.path.slice(name.length + 1)
            : `../${entry.path}`;
      const sha256 = hashes.get(path);
      yield {
        ...entry,
        path,
        ...(context.options.checksum && entry.type === 'file'
          ? { sourceSha256: async () => sha256 ?? 'unknown: not hashed at the source' }
          : {}),
      };
    }
  } finally {
    archive.destroy();
  }
}
