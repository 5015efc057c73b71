#!/usr/bin/env node
import { exitCodeForError } from './exit-code.js';
import { dispatch } from './program.js';

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

let status: number;
try {
  status = await dispatch(process.argv.slice(2), io);
} catch (error) {
  status = exitCodeForError(error, process.stderr);
}
process.exitCode = status;
// Exit only once stdout and stderr have drained, however slow their readers: output is never cut. Exiting
// explicitly (not waiting for the event loop to empty) keeps pooled connections from holding the process open.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(status);
