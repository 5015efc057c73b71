/** Longest line the splitter hands out, in characters; a longer one is cut into pieces of this length. */
export const MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Splits a byte stream into lines (without their `\n`, and without a `\r` before it), across chunk
 * boundaries and multi-byte characters. Linear in the input: a chunk is scanned once, and a line that
 * spans many chunks is joined once. A line longer than `maxLength` is cut into pieces of that length
 * (`cuts` counts them), so one line without a newline never grows without bound.
 */
export class LineSplitter {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxLength: number;
  #pieces: string[] = [];
  #pending = 0;
  /** How many times a line was cut because it was longer than `maxLength`. */
  cuts = 0;
  /** Where, in what the last `push` or `end` returned, the pieces of a cut line are (all but its last piece). */
  cutIndexes: number[] = [];

  constructor(maxLength = MAX_LINE_LENGTH) {
    this.#maxLength = maxLength;
  }

  /** The whole lines this chunk completes (and the pieces of an over-long line). */
  push(chunk: Buffer): string[] {
    this.cutIndexes = [];
    const text = this.#decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      this.#add(text.slice(from, newline), lines);
      lines.push(stripCarriageReturn(this.#take()));
      from = newline + 1;
    }
    if (from < text.length) this.#add(text.slice(from), lines);
    return lines;
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    this.cutIndexes = [];
    const lines: string[] = [];
    this.#add(this.#decoder.decode(), lines);
    const last = this.#take();
    if (last !== '') lines.push(stripCarriageReturn(last));
    return lines;
  }

  /** Adds text to the open line, handing out full pieces when it passes the limit. */
  #add(text: string, out: string[]): void {
    let rest = text;
    while (this.#pending + rest.length > this.#maxLength) {
      const room = this.#maxLength - this.#pending;
      this.#pieces.push(rest.slice(0, room));
      rest = rest.slice(room);
      this.#pending = this.#maxLength;
      this.cutIndexes.push(out.length);
      out.push(this.#take());
      this.cuts += 1;
    }
    if (rest !== '') {
      this.#pieces.push(rest);
      this.#pending += rest.length;
    }
  }

  #take(): string {
    const line = this.#pieces.length === 1 ? this.#pieces[0]! : this.#pieces.join('');
    this.#pieces = [];
    this.#pending = 0;
    return line;
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
