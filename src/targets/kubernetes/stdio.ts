import type { Readable } from 'node:stream';
import type { ExecSession } from './exec-session.js';
import { parseWrapperHeader, type WrapperHeader } from './wrapper.js';

/**
 * Cuts the wrapper's first line off stdout and hands the rest on. A first line that is not the wrapper's
 * (or none within 256 bytes) is delivered as output.
 *
 * @example
 * const filter = createHeaderFilter(onHeader, request.onStdout);
 * filter.push(chunk); // …; filter.flush() at the end
 */
export function createHeaderFilter(
  onHeader: (header: WrapperHeader | undefined) => void,
  onData: (chunk: Buffer) => void,
) {
  let pending: Buffer | undefined = Buffer.alloc(0);
  return {
    push(chunk: Buffer): void {
      if (pending === undefined) return onData(chunk);
      pending = Buffer.concat([pending, chunk]);
      const newline = pending.indexOf(0x0a);
      if (newline === -1 && pending.length < 256) return;
      const header = newline === -1 ? undefined : parseWrapperHeader(pending.subarray(0, newline).toString());
      // Not the wrapper's line (a shell that did not run it): deliver everything as output.
      const rest = header === undefined ? pending : pending.subarray(newline + 1);
      pending = undefined;
      onHeader(header);
      if (rest.length > 0) onData(rest);
    },
    /** Output held back while waiting for a line that never ended. */
    flush(): void {
      if (pending !== undefined && pending.length > 0) onData(pending);
      pending = undefined;
    },
  };
}

/**
 * Sends stdin with backpressure, then end-of-file; stops listening once the exec has ended.
 *
 * @example
 * pumpStdin(session, Buffer.from('input'));
 */
export function pumpStdin(session: ExecSession, stdin: Buffer | Readable): void {
  if (Buffer.isBuffer(stdin)) {
    void session.writeStdin(stdin).then(() => session.closeStdin());
    return;
  }
  const onData = (chunk: Buffer | string): void => {
    stdin.pause();
    void session.writeStdin(Buffer.from(chunk)).then(() => stdin.resume());
  };
  // A failing input stream ends the input, as on the local target.
  const onEnd = (): void => session.closeStdin();
  stdin.on('data', onData).once('end', onEnd).once('error', onEnd);
  void session.ended.then(() => {
    stdin.off('data', onData).off('end', onEnd).off('error', onEnd);
  });
}
