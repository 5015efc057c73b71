import { lstatSync } from 'node:fs';
import { basename, posix, resolve } from 'node:path';
import { quote, TransferError, upload } from '../../index.js';
import type { CliFlags } from '../flags.js';
import type { CommandInput } from '../io.js';
import { usageError } from '../usage.js';
import { describeTransfer, runTransferPlan, splitTransferArgs } from './transfer-job.js';

const USAGE = 'SELECTION LOCAL... REMOTE_DIR, e.g. fanout push @web ./dist /srv/app';

/**
 * `fanout push SELECTION LOCAL... REMOTE_DIR`: copies each local file or tree to REMOTE_DIR/<its name> on
 * every selected target. A missing local path stops everything before any target is contacted.
 *
 * @example
 * await pushCommand({ selection: ['@web', './dist', '/srv/app'], words: undefined, flags: {}, io });
 */
export async function pushCommand(input: CommandInput<CliFlags>): Promise<number> {
  const { selection, paths, destination } = splitTransferArgs('push', input, USAGE);
  if (!destination.startsWith('/'))
    throw usageError('push', `REMOTE_DIR must be an absolute path, got \`${destination}\``);
  const locals = paths.map((path) => resolve(path));
  for (const local of locals) {
    try {
      lstatSync(local);
    } catch {
      throw new TransferError(`push: ${local} does not exist; nothing was sent`, {
        code: 'SOURCE_NOT_FOUND',
        path: local,
      });
    }
  }
  return runTransferPlan(input, selection, {
    name: 'push',
    description: `push ${paths.map(quote).join(' ')} ${quote(destination)}`,
    action: (_member, options, tally) => async (target, signal, say) => {
      for (const local of locals) {
        const result = await upload(target, local, posix.join(destination, basename(local)), {
          ...options,
          signal,
          onProgress: tally.follow(),
        });
        say(describeTransfer('pushed', local, result));
      }
    },
  });
}
