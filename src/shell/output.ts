/**
 * Collects one output stream up to a byte limit, keeping the head when the limit is passed.
 */
export class OutputBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #overflowed = false;

  constructor(private readonly maxBytes: number) {}

  /** Adds a chunk; returns false once the stream has passed the limit. */
  push(chunk: Buffer): boolean {
    if (this.#overflowed) return false;
    const room = this.maxBytes - this.#size;
    if (chunk.length > room) {
      if (room > 0) this.#chunks.push(chunk.subarray(0, room));
      this.#size = this.maxBytes;
      this.#overflowed = true;
      return false;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    return true;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  toBuffer(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
  }
}
