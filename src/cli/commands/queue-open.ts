import type { Queue } from '../../queue/index.js';
import type { CliFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { usageError } from '../usage.js';

/**
 * Opens the queue the flags name (`--queue URL`, else FANOUT_QUEUE, else the PG* variables), creating or
 * migrating its schema; errors name the flag and never show the password. The PostgreSQL client loads
 * only here, so commands without a queue never pay for it.
 *
 * @example
 * const queue = await openQueueFor(flags, io);
 */
export async function openQueueFor(flags: CliFlags, io: CliIo): Promise<Queue> {
  const { openQueue, resolveQueueSource } = await import('../../queue/index.js');
  const url = typeof flags.queue === 'string' ? flags.queue : undefined;
  let source;
  try {
    source = resolveQueueSource(url, io.env);
  } catch (error) {
    throw usageError('--queue', (error as Error).message);
  }
  if (!source) {
    throw usageError(
      '--queue',
      'no queue: give --queue postgres://…, or set FANOUT_QUEUE or the PG* variables',
    );
  }
  return openQueue(source);
}

/** A run id from the command line, or a USAGE error naming `what`. */
export function parseRunId(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw usageError(
      what,
      `expected a run id (a number from 1 up, as \`fanout jobs --queue\` printed), got \`${text ?? ''}\``,
    );
  }
  return Number(text);
}
