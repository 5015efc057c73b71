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
let status: number;
try {
  status = await dispatch(process.argv.slice(2), io);
} catch (error) {
  status = exitCodeForError(error, process.stderr);
}
process.exitCode = status;
// Connections a target keeps alive must not hold the process open once the run is over.
setTimeout(() => process.exit(status), 200).unref();
