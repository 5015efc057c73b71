/** The streams of Docker's multiplexed attach protocol (tty off). */
export type DockerStreamKind = 'stdin' | 'stdout' | 'stderr';

const KINDS: Readonly<Record<number, DockerStreamKind>> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };
const HEADER_SIZE = 8;

/**
 * Splits Docker's multiplexed stream (frames of an 8-byte header — stream type, three zero bytes, payload
 * size as uint32 big-endian — then the payload) back into stdout and stderr bytes. Payloads are passed on
 * as they arrive, possibly in several pieces, without copying; a chunk may end anywhere, even inside a header.
 *
 * @example
 * const decoder = new FrameDecoder((kind, bytes) => (kind === 'stdout' ? out : err).push(bytes));
 * socket.on('data', (chunk) => decoder.push(chunk));
 * socket.on('end', () => decoder.end());
 */
export class FrameDecoder {
  readonly #onPayload: (kind: DockerStreamKind, bytes: Buffer) => void;
  readonly #header = Buffer.alloc(HEADER_SIZE);
  #headerFill = 0;
  #kind: DockerStreamKind = 'stdout';
  #remaining = 0;

  constructor(onPayload: (kind: DockerStreamKind, bytes: Buffer) => void) {
    this.#onPayload = onPayload;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const end = Math.min(chunk.length, offset + this.#remaining);
        this.#remaining -= end - offset;
        this.#onPayload(this.#kind, chunk.subarray(offset, end));
        offset = end;
        continue;
      }
      const take = Math.min(HEADER_SIZE - this.#headerFill, chunk.length - offset);
      chunk.copy(this.#header, this.#headerFill, offset, offset + take);
      this.#headerFill += take;
      offset += take;
      if (this.#headerFill === HEADER_SIZE) {
        this.#headerFill = 0;
        const kind = KINDS[this.#header[0] ?? -1];
        if (kind === undefined) {
          throw new Error(`Docker stream frame of unknown type ${this.#header[0]}: is the exec using a tty?`);
        }
        this.#kind = kind;
        this.#remaining = this.#header.readUInt32BE(4);
      }
    }
  }

  /** Throws when the stream stopped inside a frame: output was lost. */
  end(): void {
    if (this.#headerFill > 0 || this.#remaining > 0) {
      throw new Error(`Docker stream ended inside a frame (${this.#remaining} payload bytes missing)`);
    }
  }
}
