/** The fields every finished command has, whether it succeeded or not. */
export interface ProcessResultFields {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code, or null when a signal ended the command. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when fanout killed the command because its timeout ran out. */
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The exact command line that was run. */
  readonly command: string;
  /** Where it ran: `local`, `ssh://user@host:22` … */
  readonly target: string;
}

/**
 * How a command ended. `ok` is true for exit code 0 with no signal and no timeout; `String(result)` is the
 * trimmed stdout.
 *
 * @example
 * const result = await $`uname -s`.nothrow();
 * if (result.ok) console.log(`${result.target}: ${result}`);
 */
export class ProcessResult implements ProcessResultFields {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly command: string;
  readonly target: string;
  readonly ok: boolean;

  constructor(fields: ProcessResultFields) {
    this.stdout = fields.stdout;
    this.stderr = fields.stderr;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.timedOut = fields.timedOut;
    this.durationMs = fields.durationMs;
    this.command = fields.command;
    this.target = fields.target;
    this.ok = fields.exitCode === 0 && fields.signal === null && !fields.timedOut;
  }

  toString(): string {
    return this.stdout.trim();
  }
}
