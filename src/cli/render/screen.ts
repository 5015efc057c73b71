import type { CliIo } from '../io.js';
import { Sink } from './sink.js';

const CLEAR_LINE = '\r\x1b[K';

/**
 * Writes whole lines to stdout and stderr, and keeps a live status line at the bottom of a terminal's
 * stderr: the status is cleared before other text is written and redrawn on the next `draw()`, so output
 * never mixes with it. What a slow reader has not taken waits in a temporary file, not in memory (see Sink).
 */
export class Screen {
  #status = '';
  #shown = false;
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

  /** Sets the status line; it is drawn by `draw()`. */
  setStatus(text: string): void {
    if (!this.live) return;
    const width = Math.max(20, (this.io.stderr.columns || 80) - 1);
    this.#status = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  }

  draw(): void {
    if (!this.live || this.#status === '') return;
    this.#stderr.write(`${CLEAR_LINE}${this.#status}`);
    this.#shown = true;
  }

  /** Removes the status line for good. */
  close(): void {
    this.#hide();
    this.#status = '';
  }

  #hide(): void {
    if (!this.#shown) return;
    this.#stderr.write(CLEAR_LINE);
    this.#shown = false;
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
