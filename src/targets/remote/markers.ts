import { randomBytes } from 'node:crypto';

const RS = 0x1e;

/** A random token that output cannot guess, so that no command can forge a marker. */
export function createNonce(): string {
  return randomBytes(12).toString('hex');
}

/**
 * One marker the remote scripts write: `RS nonce ':' kind [':' field]* RS`. Kinds: `p:PID` (the command's
 * process group), `c` (its working directory is missing), `x:STATUS:LEFT` (it ended; LEFT is 1 when
 * processes of its group still run), `e` (its stderr ended).
 */
export interface Marker {
  readonly kind: string;
  readonly fields: readonly string[];
}

/**
 * Splits a byte stream into the output it carries and the markers with this nonce. Output is passed on as
 * it comes; only bytes that may be the start of a marker are held back until the next chunk.
 *
 * @example
 * const reader = new MarkerReader(nonce, onOutput, (marker) => …);
 * stream.on('data', (chunk) => reader.push(chunk));
 */
export class MarkerReader {
  readonly #prefix: Buffer;
  readonly #onOutput: (chunk: Buffer) => void;
  readonly #onMarker: (marker: Marker) => void;
  #held: Buffer | undefined;

  constructor(nonce: string, onOutput: (chunk: Buffer) => void, onMarker: (marker: Marker) => void) {
    this.#prefix = Buffer.from(`\x1e${nonce}:`, 'latin1');
    this.#onOutput = onOutput;
    this.#onMarker = onMarker;
  }

  push(chunk: Buffer): void {
    let data = this.#held ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = undefined;
    for (;;) {
      const start = data.indexOf(this.#prefix);
      if (start < 0) break;
      const end = data.indexOf(RS, start + this.#prefix.length);
      if (end < 0) break;
      if (start > 0) this.#onOutput(data.subarray(0, start));
      const body = data
        .subarray(start + this.#prefix.length, end)
        .toString('latin1')
        .split(':');
      data = data.subarray(end + 1);
      this.#onMarker({ kind: body[0]!, fields: body.slice(1) });
    }
    const keep = this.#heldFrom(data);
    if (keep > 0) this.#onOutput(data.subarray(0, keep));
    if (keep < data.length) this.#held = data.subarray(keep);
  }

  /** Output still held back, delivered when the stream ends. */
  end(): void {
    if (this.#held) this.#onOutput(this.#held);
    this.#held = undefined;
  }

  /** Where a possible marker starts: a whole prefix without its end, or a tail that starts the prefix. */
  #heldFrom(data: Buffer): number {
    const whole = data.indexOf(this.#prefix);
    if (whole >= 0) return whole;
    const from = Math.max(0, data.length - this.#prefix.length + 1);
    for (let index = data.indexOf(RS, from); index >= 0; index = data.indexOf(RS, index + 1)) {
      if (this.#prefix.subarray(0, data.length - index).equals(data.subarray(index))) return index;
    }
    return data.length;
  }
}
