import type { Readable } from 'node:stream';
import { MaxBufferError } from '../errors.js';
import type { Target } from '../targets/target.js';
import type { Duration } from '../internal/duration.js';
import { combineOptions, normalizeShellOptions, validateShellOptions, type ShellOptions } from './options.js';
import { LineSplitter } from '../internal/lines.js';
import { redactSecrets } from '../internal/secrets.js';
import type { ProcessResult } from './result.js';
import { runCommand } from './run.js';
import { currentTaskSignals, enableTaskSignals } from '../internal/task-signal.js';

type Stdin = string | Buffer | Readable;

// Commands read the signal of the toolkit task they are created in (see task-signal.ts).
enableTaskSignals();

/**
 * A command that has not necessarily started: it starts when first awaited (or `.then`-ed, or iterated),
 * so a limiter can hold it back. Chain options before that; consume it with `await`, `.text()`, `.json()`,
 * `.lines()`, `.buffer()` or `for await (const line of …)`.
 *
 * @example
 * const branch = await $`git rev-parse --abbrev-ref HEAD`.timeout('5s').text();
 */
export class ProcessPromise implements Promise<ProcessResult> {
  readonly [Symbol.toStringTag] = 'ProcessPromise';
  /** The command line that runs (interpolations already quoted). */
  readonly command: string;
  readonly target: Target;
  readonly #base: Partial<ShellOptions>;
  #own: Partial<ShellOptions> = {};
  #result: Promise<ProcessResult> | undefined;
  #kill: ((signal: NodeJS.Signals) => void) | undefined;
  #stdout: Buffer | undefined;
  readonly #stdoutListeners = new Set<(chunk: Buffer) => void>();
  /** The signals of the toolkit tasks this command was created in: they cancel it as `.signal()` does. */
  readonly #taskSignals = currentTaskSignals();

  constructor(target: Target, command: string, base: Partial<ShellOptions>) {
    this.target = target;
    this.command = command;
    this.#base = base;
  }

  /** True once the command has been started. */
  get started(): boolean {
    return this.#result !== undefined;
  }

  #set(options: Partial<ShellOptions>): this {
    if (this.#result)
      throw new TypeError(`Cannot change the options of a command that has started: ${this.command}`);
    validateShellOptions(options);
    this.#own = combineOptions(this.#own, options);
    return this;
  }

  /** Resolve with the result, not reject, when the command exits non-zero, is signalled or times out. */
  nothrow(): this {
    return this.#set({ nothrow: true });
  }

  /** Do not echo this command's output, even when `verbose` is on. */
  quiet(): this {
    return this.#set({ verbose: false });
  }

  /** Kill the command (TERM, then KILL after `killGrace`) and reject with a TimeoutError after `duration`. */
  timeout(duration: Duration): this {
    return this.#set({ timeout: duration });
  }

  /** Cancel with an AbortSignal: the command is killed and the promise rejects with the signal's reason. */
  signal(signal: AbortSignal): this {
    return this.#set({ signal });
  }

  stdin(input: Stdin): this {
    return this.#set({ stdin: input });
  }

  cwd(directory: string): this {
    return this.#set({ cwd: directory });
  }

  /** Variables added to the target's environment. */
  env(variables: Readonly<Record<string, string>>): this {
    return this.#set({ env: variables });
  }

  /**
   * Sends `signal` to the command's whole process group, then SIGKILL after `killGrace` if it still runs.
   * The promise then settles as the command ended (rejecting with a CommandError unless `nothrow`).
   */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.#kill) throw new TypeError(`Cannot kill a command that has not started: ${this.command}`);
    this.#kill(signal);
  }

  #start(): Promise<ProcessResult> {
    if (!this.#result) {
      // A target that throws while starting rejects the promise, like every other failure.
      try {
        this.#result = this.#execute();
      } catch (error) {
        this.#result = Promise.reject(error);
      }
    }
    return this.#result;
  }

  #execute(): Promise<ProcessResult> {
    const options = normalizeShellOptions(this.#base, this.#own);
    const { verbose } = options;
    const signals = [...(options.signal ? [options.signal] : []), ...this.#taskSignals];
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    if (verbose) process.stderr.write(`$ ${redactSecrets(this.command)}\n`);
    const run = runCommand({
      target: this.target,
      command: this.command,
      cwd: options.cwd,
      env: options.env,
      stdin: typeof options.stdin === 'string' ? Buffer.from(options.stdin) : options.stdin,
      timeoutMs: options.timeoutMs,
      killGraceMs: options.killGraceMs,
      signal,
      keepOutput: true,
      maxBuffer: options.maxBuffer,
      onStdout: (chunk) => {
        if (verbose) process.stdout.write(chunk);
        for (const listener of this.#stdoutListeners) listener(chunk);
      },
      onStderr: verbose ? (chunk) => process.stderr.write(chunk) : undefined,
    });
    this.#kill = run.kill;
    return run.outcome.then(({ result, error, aborted, stdout }) => {
      if (aborted) throw signal?.reason;
      this.#stdout = stdout;
      // nothrow covers how the command ended (exit, signal, timeout), never lost output or a failed target.
      if (result && (!error || (options.nothrow && !(error instanceof MaxBufferError)))) return result;
      throw error;
    });
  }

  then<TResult1 = ProcessResult, TResult2 = never>(
    onfulfilled?: ((value: ProcessResult) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    return this.#start().then(onfulfilled, onrejected);
  }

  catch<TResult = never>(
    onrejected?: ((reason: unknown) => TResult | PromiseLike<TResult>) | null,
  ): Promise<ProcessResult | TResult> {
    return this.#start().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<ProcessResult> {
    return this.#start().finally(onfinally);
  }

  /** Stdout without its surrounding white space. */
  text(): Promise<string> {
    return this.then((result) => result.stdout.trim());
  }

  /** Stdout parsed as JSON. */
  json<T = unknown>(): Promise<T> {
    return this.then((result) => JSON.parse(result.stdout) as T);
  }

  /** Stdout split into lines, without a last empty one. */
  lines(): Promise<string[]> {
    return this.then((result) => {
      const splitter = new LineSplitter();
      return [...splitter.push(Buffer.from(result.stdout)), ...splitter.end()];
    });
  }

  /** Stdout as the exact bytes the command wrote. */
  buffer(): Promise<Buffer> {
    return this.then(() => this.#stdout ?? Buffer.alloc(0));
  }

  /**
   * Stdout lines as they arrive. Ending the loop early kills the command; a failure of the command is
   * thrown after the last line (unless `nothrow`).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    if (this.#result) throw new TypeError(`Iterate a command before it starts: ${this.command}`);
    const splitter = new LineSplitter();
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    this.#stdoutListeners.add((chunk) => {
      queue.push(...splitter.push(chunk));
      wake?.();
    });
    let finished = false;
    let failure: { error: unknown } | undefined;
    this.#start().then(
      () => {
        finished = true;
        wake?.();
      },
      (error: unknown) => {
        finished = true;
        failure = { error };
        wake?.();
      },
    );
    try {
      for (;;) {
        // Take the whole queue at once: shifting one by one is quadratic on large outputs.
        for (const line of queue.splice(0)) yield line;
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      yield* splitter.end();
      if (failure) throw failure.error;
    } finally {
      if (!finished) this.#kill?.('SIGTERM');
    }
  }
}
