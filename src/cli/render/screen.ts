import type { CliIo } from '../io.js';
import { Sink } from './sink.js';

const CLEAR_LINE = '\r\x1b[K';
/** Up one line and clear it. */
const CLEAR_LINE_ABOVE = '\x1b[1A\x1b[K';

/**
 * Writes whole lines to stdout and stderr, and keeps live status lines at the bottom of a terminal's
 * stderr: they are cleared (cursor up, clear line) before other text is written and redrawn on the next
 * `draw()`, so output never mixes with them. What a slow reader has not taken waits in a temporary file,
 * not in memory (see Sink).
 */
export class Screen {
  #status: string[] = [];
  /** Status lines on the terminal now. */
  #shown = 0;
  #stdoutClosed = false;
  readonly #stdout: Sink;
  readonly #stderr: Sink;

  constructor(
    private readonly io: CliIo,
    /** Draw a status line (a terminal only). */
    private readonly live: boolean,
  ) {
    this.#stdout = new Sink(io.stdout);
    this.#stderr = new Sink(io.stderr);
  }

  /** Set once stdout's reader went away: what is left for stdout is dropped. */
  get stdoutClosed(): boolean {
    return this.#stdoutClosed;
  }

  set stdoutClosed(closed: boolean) {
    this.#stdoutClosed = closed;
    if (closed) this.#stdout.drop();
  }

  out(text: string | Buffer): void {
    if (this.#stdoutClosed) return;
    this.#hide();
    this.#stdout.write(text);
  }

  err(text: string | Buffer): void {
    this.#hide();
    this.#stderr.write(text);
  }

  /** Settles once everything written so far has been handed to stdout and stderr. */
  flushed(): Promise<void> {
    return Promise.all([this.#stdout.flushed(), this.#stderr.flushed()]).then(() => {});
  }

  /**
   * Sets the status lines, each cut to the terminal's width and no more lines than it has rows; they are
   * drawn by `draw()`.
   */
  setStatus(lines: readonly string[]): void {
    if (!this.live) return;
    const width = Math.max(20, (this.io.stderr.columns || 80) - 1);
    const rows = Math.max(1, (this.io.stderr.rows || 24) - 1);
    this.#status = lines
      .slice(0, rows)
      .map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line));
  }

  /** Redraws the status lines in place of the ones shown. */
  draw(): void {
    if (!this.live || this.#status.length === 0) return;
    this.#stderr.write(`${this.#clearing()}${this.#status.join('\n')}`);
    this.#shown = this.#status.length;
  }

  /** Removes the status lines for good; with `keep`, they stay on the terminal as the last thing drawn. */
  close(keep = false): void {
    if (keep && this.#shown > 0) {
      this.#stderr.write('\n');
      this.#shown = 0;
    }
    this.#hide();
    this.#status = [];
  }

  #hide(): void {
    if (this.#shown === 0) return;
    this.#stderr.write(this.#clearing());
    this.#shown = 0;
  }

  /** Clears the status lines shown, leaving the cursor where the first one began. */
  #clearing(): string {
    return this.#shown === 0 ? CLEAR_LINE : CLEAR_LINE + CLEAR_LINE_ABOVE.repeat(this.#shown - 1);
  }
}

/** True when colours may be used on this stream: a terminal, and `NO_COLOR` unset or empty. */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** ANSI colours that vanish when `enabled` is false. */
export function palette(enabled: boolean) {
  const wrap = (code: number) => (text: string) => (enabled ? `\x1b[${code}m${text}\x1b[39m` : text);
  return {
    red: wrap(31),
    green: wrap(32),
    yellow: wrap(33),
    cyan: wrap(36),
    dim: (text: string) => (enabled ? `\x1b[2m${text}\x1b[22m` : text),
  };
}

export type Palette = ReturnType<typeof palette>;
