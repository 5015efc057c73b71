import { quote } from '../../internal/quote.js';

const MARK = '\x1efanout:';
const MARK_BYTES = Buffer.from(MARK, 'latin1');
/** Stdout bytes held back while looking for the marker; past this, no marker is expected any more. */
const MAX_HELD = 64 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An environment variable name a POSIX shell can export, or a TypeError. */
export function checkEnvName(name: string): void {
  if (!NAME.test(name))
    throw new TypeError(`Cannot pass \`${name}\` as an environment variable name over SSH`);
}

/**
 * The line sent to sshd for a command: the login shell `exec`s `/bin/sh`, which enters `cwd` (or reports
 * that it cannot), reports its pid (the session's process group, as sshd starts each session with setsid)
 * on stdout behind a marker (where it shares a packet with the command's first output), exports `env`, and `eval`s the command: it runs as `sh -c command` would run
 * it (no positional parameters, `exit` ends it, a syntax error exits 2), in that process group, with
 * byte-exact stdout, and for the price of one `exec` beyond the login shell.
 *
 * @example
 * buildRemoteCommand({ command: 'ls', cwd: '/srv', env: { A: '1' } })
 */
export function buildRemoteCommand(request: {
  readonly command: string;
  readonly cwd: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** The command gets no input: read /dev/null, so the client need not send an end-of-file. */
  readonly noStdin?: boolean;
  /** The login shell is /bin/sh itself: skip the `exec /bin/sh -c` (one process start per command). */
  readonly loginShellIsSh?: boolean;
}): string {
  const steps: string[] = request.noStdin ? ['exec </dev/null'] : [];
  if (request.cwd !== undefined) {
    steps.push(`cd ${quote(request.cwd)} 2>/dev/null || { printf '\\036fanout:nocwd\\036'; exit 127; }`);
  }
  steps.push(`printf '\\036fanout:pgid=%d,shell=%s\\036' "$$" "$SHELL"`);
  for (const [name, value] of Object.entries(request.env)) {
    checkEnvName(name);
    steps.push(`export ${name}=${quote(value)}`);
  }
  steps.push(`eval ${quote(request.command)}`);
  const wrapper = steps.join('; ');
  return request.loginShellIsSh ? wrapper : runInSh(wrapper);
}

/** The line that runs a wrapper built for `loginShellIsSh` under any login shell. */
export function runInSh(wrapper: string): string {
  return `exec /bin/sh -c ${quote(wrapper)}`;
}

/** The line that signals a process group from another channel (dash's `kill` takes no `--`). */
export function buildGroupKill(pgid: number, signal: NodeJS.Signals): string {
  return `kill -${signal.replace(/^SIG/, '')} -${pgid} 2>/dev/null; exit 0`;
}

/** What the wrapper reported on stdout: the process group and the login shell (`$SHELL`), or a bad cwd. */
export type RemoteReport = { readonly pgid: number; readonly shell: string } | { readonly nocwd: true };

/** True for a login shell that is plain `sh`, so the wrapper can run in it directly. */
export function isPlainSh(shell: string): boolean {
  return /^\/(?:usr\/)?bin\/(?:sh|dash)$/.test(shell);
}

/**
 * Takes the wrapper's one report (`pgid=N,shell=…` or `nocwd`) out of the command's stdout and passes
 * every other byte through unchanged. Bytes are held back only while they may be the start of the report,
 * which comes first unless the login shell's rc files write to stdout before it.
 *
 * @example
 * const filter = new OutputReports(onStdout, (report) => …);
 * channel.on('data', (chunk) => filter.push(chunk));
 */
export class OutputReports {
  #held: Buffer = Buffer.alloc(0);
  #searching = true;
  readonly #forward: (chunk: Buffer) => void;
  readonly #onReport: (report: RemoteReport) => void;

  constructor(forward: (chunk: Buffer) => void, onReport: (report: RemoteReport) => void) {
    this.#forward = forward;
    this.#onReport = onReport;
  }

  push(chunk: Buffer): void {
    if (!this.#searching) return this.#forward(chunk);
    this.#held = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const start = this.#held.indexOf(MARK_BYTES);
    const end = start < 0 ? -1 : this.#held.indexOf(0x1e, start + MARK_BYTES.length);
    if (end >= 0) {
      const body = this.#held.subarray(start + MARK_BYTES.length, end).toString('latin1');
      const before = this.#held.subarray(0, start);
      const after = this.#held.subarray(end + 1);
      this.#held = Buffer.alloc(0);
      this.#searching = false;
      if (before.length > 0) this.#forward(before);
      const pgid = /^pgid=(\d+),shell=(.*)$/s.exec(body);
      this.#onReport(pgid ? { pgid: Number(pgid[1]), shell: pgid[2]! } : { nocwd: true });
      if (after.length > 0) this.#forward(after);
      return;
    }
    // Hold bytes only while they may be the start of a report.
    if (this.#held.length > MAX_HELD || !this.#held.includes(0x1e)) this.end();
  }

  /** Flushes whatever is held back. */
  end(): void {
    this.#searching = false;
    if (this.#held.length > 0) this.#forward(this.#held);
    this.#held = Buffer.alloc(0);
  }
}
