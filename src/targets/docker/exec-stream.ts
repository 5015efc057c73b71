import type { Duplex } from 'node:stream';
import { FrameDecoder } from './frame-decoder.js';
import { PidMarker } from './pid-marker.js';

/** Where the bytes of an exec's stream go. */
export interface ExecStreamHandlers {
  readonly onStdout: (chunk: Buffer) => void;
  /** The command's own stderr: the pid line is taken off first. */
  readonly onStderr: (chunk: Buffer) => void;
  /** Called once, as soon as the command's pid has been read. */
  readonly onPid: (pid: number) => void;
}

/** How a stream ended cleanly. */
export interface ExecStreamEnd {
  /** The command's pid; undefined when the wrapper never ran (the runtime could not start it). */
  readonly pid: number | undefined;
  /** The first bytes of output, to explain a start failure. */
  readonly head: string;
}

const HEAD_BYTES = 512;

/**
 * Reads an exec's multiplexed stream to its end and hands every byte on. Resolves only after the last byte
 * has been delivered; rejects when the stream fails, closes early or stops inside a frame.
 *
 * @example
 * const { pid } = await readExecStream(stream, { onStdout, onStderr, onPid: (pid) => (known = pid) });
 */
export function readExecStream(stream: Duplex, handlers: ExecStreamHandlers): Promise<ExecStreamEnd> {
  const marker = new PidMarker();
  const head: Buffer[] = [];
  let headSize = 0;
  const keepHead = (bytes: Buffer): void => {
    if (headSize >= HEAD_BYTES) return;
    head.push(bytes.subarray(0, HEAD_BYTES - headSize));
    headSize += Math.min(bytes.length, HEAD_BYTES - headSize);
  };
  const decoder = new FrameDecoder((kind, bytes) => {
    keepHead(bytes);
    if (kind === 'stdout') return handlers.onStdout(bytes);
    if (kind !== 'stderr') return;
    const reading = marker.reading;
    const rest = marker.push(bytes);
    if (reading && marker.pid !== undefined) handlers.onPid(marker.pid);
    if (rest.length > 0) handlers.onStderr(rest);
  });

  return new Promise<ExecStreamEnd>((resolve, reject) => {
    let done = false;
    const finish = (error: unknown): void => {
      if (done) return;
      done = true;
      if (error !== undefined) return reject(error);
      const rest = marker.end();
      if (rest.length > 0) handlers.onStderr(rest);
      resolve({ pid: marker.pid, head: Buffer.concat(head).toString('utf8').trim() });
    };
    stream.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (error) {
        finish(error);
        stream.destroy();
      }
    });
    stream.on('end', () => {
      try {
        decoder.end();
        finish(undefined);
      } catch (error) {
        finish(error);
      }
    });
    stream.on('error', (error) => finish(error));
    stream.on('close', () => finish(new Error('the stream closed before its end')));
  });
}
