#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { exitCodeForError } from './exit-code.js';
import { dispatch } from './program.js';
import { usageError } from './usage.js';

// argv → exit status. Every error reaches exitCodeForError, the one place that turns errors into statuses.
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
for (const stream of [process.stdout, process.stderr]) {
  // A reader that goes away (`fanout … | head`) is not an error of ours.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** Settles once everything written to `stream` so far has been handed to the OS (or the reader is gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Node decodes its arguments as UTF-8 and replaces bytes that are not by U+FFFD, silently. Such an argument
 * (a file name in Latin-1, say) could never reach a command exactly, so it is refused; the kernel's copy of
 * the command line tells.
 */
function checkArgumentBytes(count: number): void {
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return;
  }
  const words = raw
    .subarray(0, raw.at(-1) === 0 ? -1 : undefined)
    .toString('latin1')
    .split('\0');
  words.slice(words.length - count).forEach((word, index) => {
    const bytes = Buffer.from(word, 'latin1');
    if (!Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) {
      throw usageError(
        `argument ${index + 1}`,
        `${bytes.toString('utf8')} is not valid UTF-8: fanout cannot pass it to a command exactly`,
      );
    }
  });
}

let status: number;
try {
  checkArgumentBytes(process.argv.length - 2);
  status = await dispatch(process.argv.slice(2), io);
} catch (error) {
  status = exitCodeForError(error, process.stderr);
}
process.exitCode = status;
// Exit only once stdout and stderr have drained, however slow their readers: output is never cut. Exiting
// explicitly (not waiting for the event loop to empty) keeps pooled connections from holding the process open.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(status);
