#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { decodeBytes } from '../internal/bytes.js';
import { EXIT, exitCodeForError } from './exit-code.js';
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

/**
 * The command-line arguments with their exact bytes. Node decodes them as UTF-8 and replaces bytes that are not
 * by U+FFFD, silently; the kernel's copy of the command line keeps them, and they are kept as lone surrogates
 * (see `decodeBytes`) so that an argument such as a Latin-1 file name reaches a command exactly.
 */
function exactArguments(): string[] {
  const count = process.argv.length - 2;
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return process.argv.slice(2);
  }
  const words: Buffer[] = [];
  for (let from = 0; from < raw.length;) {
    const end = raw.indexOf(0, from);
    words.push(raw.subarray(from, end < 0 ? raw.length : end));
    from = end < 0 ? raw.length : end + 1;
  }
  if (words.length < count) return process.argv.slice(2);
  return words.slice(words.length - count).map(decodeBytes);
}

// The event loop emptied while the command still waited for something that can no longer happen: a bug,
// reported as one instead of Node's silent exit 13.
process.once('beforeExit', () => {
  process.stderr.write('fanout: internal error: the command stopped with nothing left to wait for\n');
  process.exitCode = EXIT.usage;
});

let status: number;
try {
  status = await dispatch(exactArguments(), io);
} catch (error) {
  status = exitCodeForError(error, process.stderr);
}
process.exitCode = status;
// Exit only once stdout and stderr have drained, however slow their readers: output is never cut. Exiting
// explicitly (not waiting for the event loop to empty) keeps pooled connections from holding the process open.
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(status);
