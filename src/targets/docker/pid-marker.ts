const PREFIX = 'fanout-pid=';
/** Longer than any marker line: past this many bytes without one, stderr is the command's own. */
const MAX_MARKER_LENGTH = 32;

/**
 * The argv that runs `command` in the container: a `sh` that first writes its pid as one line on stderr,
 * then becomes `sh -c command`. Docker starts every exec as a session and group leader, so that pid is
 * also the process group that a kill must reach.
 *
 * @example
 * buildExecArgv('make -j4'); // ['sh', '-c', 'printf … "$$" >&2 && exec sh -c "$1" sh', 'sh', 'make -j4']
 */
export function buildExecArgv(command: string): string[] {
  return ['sh', '-c', `printf '${PREFIX}%s\\n' "$$" >&2 && exec sh -c "$1" sh`, 'sh', command];
}

/**
 * Takes the pid line off the front of stderr and passes every other byte through unchanged. When stderr
 * does not start with the line (the wrapper never ran), nothing is taken.
 *
 * @example
 * const marker = new PidMarker();
 * const rest = marker.push(chunk); // marker.pid is set once the line has been read
 */
export class PidMarker {
  /** The command's pid (and process group), once read. */
  pid: number | undefined;
  #pending: Buffer | undefined = Buffer.alloc(0);

  /** True while the front of stderr is still being read. */
  get reading(): boolean {
    return this.#pending !== undefined;
  }

  /** Returns the bytes of `chunk` that belong to the command's stderr. */
  push(chunk: Buffer): Buffer {
    if (this.#pending === undefined) return chunk;
    const pending = Buffer.concat([this.#pending, chunk]);
    const newline = pending.indexOf(0x0a);
    if (newline === -1 && pending.length <= MAX_MARKER_LENGTH) {
      this.#pending = pending;
      return Buffer.alloc(0);
    }
    this.#pending = undefined;
    const match = /^fanout-pid=(\d+)$/.exec(pending.subarray(0, Math.max(newline, 0)).toString('latin1'));
    if (newline === -1 || !match) return pending;
    this.pid = Number(match[1]);
    return pending.subarray(newline + 1);
  }

  /** The bytes still held back when stderr ends. */
  end(): Buffer {
    const rest = this.#pending ?? Buffer.alloc(0);
    this.#pending = undefined;
    return rest;
  }
}
