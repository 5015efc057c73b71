/**
 * Splits a byte stream into lines (without their `\n`, and without a `\r` before it), across chunk
 * boundaries and multi-byte characters.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder('utf-8');
  #partial = '';

  /** The whole lines this chunk completes. */
  push(chunk: Buffer): string[] {
    const lines = (this.#partial + this.#decoder.decode(chunk, { stream: true })).split('\n');
    this.#partial = lines.pop() ?? '';
    return lines.map(stripCarriageReturn);
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    const last = this.#partial + this.#decoder.decode();
    this.#partial = '';
    return last === '' ? [] : [stripCarriageReturn(last)];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
