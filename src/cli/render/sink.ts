import type { Writable } from 'node:stream';
import { SPILL_CHUNK, SpillFile } from './spill.js';

/** Most bytes left queued in a stream before further output waits in a temporary file. */
const QUEUED_LIMIT = 1024 * 1024;
/** Text goes to the backlog file in pieces of about this size, not line by line. */
const WRITE_BATCH = 64 * 1024;

/**
 * Writes to a stream without ever queueing more than a few MiB in memory: when the reader is slower than
 * the jobs, the rest waits in a temporary file (see SpillFile) and goes out in order as the stream drains.
 * Jobs are never held back by a slow reader, and memory stays bounded.
 *
 * @example
 * const sink = new Sink(process.stdout);
 * sink.write('line\n');
 * await sink.flushed();
 */
export class Sink {
  #backlog: SpillFile | undefined;
  /** Bytes of the backlog already written to the stream. */
  #sent = 0;
  #pumping = false;
  #waiters: (() => void)[] = [];
  #gone = false;
  #batch: Buffer[] = [];
  #batchLength = 0;

  constructor(private readonly stream: Writable) {}

  write(text: string | Buffer): void {
    if (this.#gone || this.stream.destroyed) return;
    if (this.#backlog === undefined && this.stream.writableLength < QUEUED_LIMIT) {
      this.stream.write(text);
      return;
    }
    this.#backlog ??= SpillFile.open();
    this.#batch.push(typeof text === 'string' ? Buffer.from(text) : text);
    this.#batchLength += text.length;
    if (this.#batchLength >= WRITE_BATCH) this.#flushBatch();
    this.#pump();
  }

  /** Writes the batch to the backlog file: one write per WRITE_BATCH, not one per line. */
  #flushBatch(): void {
    if (this.#batch.length === 0) return;
    this.#backlog?.append(Buffer.concat(this.#batch));
    this.#batch = [];
    this.#batchLength = 0;
  }

  /** Settles once everything written so far has been handed to the stream (or the stream is gone). */
  flushed(): Promise<void> {
    if (this.#backlog === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Drops what is left (the reader went away). */
  drop(): void {
    this.#gone = true;
    this.#finish();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const step = (): void => {
      const backlog = this.#backlog;
      if (!backlog || this.#gone || this.stream.destroyed) return this.#finish();
      this.#flushBatch();
      while (this.#sent < backlog.size) {
        const chunk = backlog.read(this.#sent, Math.min(SPILL_CHUNK, backlog.size - this.#sent));
        this.#sent += chunk.length;
        if (!this.stream.write(chunk)) {
          this.stream.once('drain', step);
          return;
        }
      }
      this.#finish();
    };
    this.#unlisten = () => {
      this.stream.removeListener('drain', step);
      this.stream.removeListener('close', this.#onClose);
    };
    this.stream.once('close', this.#onClose);
    this.stream.once('drain', step);
  }

  readonly #onClose = (): void => this.drop();
  #unlisten = (): void => {};

  #finish(): void {
    this.#unlisten();
    this.#unlisten = () => {};
    this.#backlog?.close();
    this.#backlog = undefined;
    this.#batch = [];
    this.#batchLength = 0;
    this.#sent = 0;
    this.#pumping = false;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
