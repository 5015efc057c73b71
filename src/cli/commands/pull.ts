import { posix, resolve } from 'node:path';
import { download, quote } from '../../index.js';
import type { CliFlags } from '../flags.js';
import type { CommandInput } from '../io.js';
import { usageError } from '../usage.js';
import { describeTransfer, runTransferPlan, splitTransferArgs } from './transfer-job.js';

const USAGE = 'SELECTION REMOTE... LOCAL_DIR, e.g. fanout pull @web /var/log/app.log ./logs';

/** A member's name as one directory name: slashes (from URIs) become underscores. */
function directoryFor(name: string): string {
  const safe = name.replace(/\//g, '_');
  return safe === '.' || safe === '..' ? `_${safe}` : safe;
}

/**
 * `fanout pull SELECTION REMOTE... LOCAL_DIR`: copies each remote file or tree from every selected target
 * to LOCAL_DIR/<target>/<its name>, so targets never overwrite each other.
 *
 * @example
 * await pullCommand({ selection: ['@web', '/var/log/app.log', './logs'], words: undefined, flags: {}, io });
 */
export async function pullCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { selection, paths, destination } = splitTransferArgs('pull', input, USAGE);
  for (const path of paths)
    if (!path.startsWith('/') || posix.basename(path) === '')
      throw usageError('pull', `REMOTE must be an absolute path to a file or directory, got \`${path}\``);
  const localDir = resolve(destination);
  return runTransferPlan(input, selection, {
    name: 'pull',
    description: `pull ${paths.map(quote).join(' ')} ${quote(destination)}`,
    action: (member, options, tally) => async (target, signal, say) => {
      for (const remote of paths) {
        const local = posix.join(localDir, directoryFor(member.name), posix.basename(remote));
        const result = await download(target, remote, local, {
          ...options,
          mkdirs: true,
          signal,
          onProgress: tally.follow(),
        });
        say(describeTransfer('pulled', remote, result));
      }
    },
  });
}
