import type { Readable, Writable } from 'node:stream';

/** Where the CLI reads and writes; tests may pass their own streams. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number; readonly rows?: number };
  readonly env: NodeJS.ProcessEnv;
}

/** The arguments a command receives: the target selection, the words after `--`, and the flags. */
export interface CommandInput<Flags> {
  readonly selection: readonly string[];
  /** The words after `--`, or undefined when there was no `--`. */
  readonly words: readonly string[] | undefined;
  readonly flags: Flags;
  readonly io: CliIo;
}
