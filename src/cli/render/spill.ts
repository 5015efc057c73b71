import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes read back from a spill file at a time. */
export const SPILL_CHUNK = 1024 * 1024;

/**
 * A temporary file that only this process can reach: created mode 0600 in the temporary directory and
 * unlinked at once, so it is gone however the process ends (Ctrl-C, an error, SIGKILL); the space is freed
 * when it is closed.
 *
 * @example
 * const file = SpillFile.open();
 * const at = file.append(Buffer.from('line\n'));
 * file.read(at, 5); // <Buffer 6c 69 6e 65 0a>
 */
export class SpillFile {
  #size = 0;

  private constructor(private readonly fd: number) {}

  static open(): SpillFile {
    const path = join(tmpdir(), `fanout-spill-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
    return new SpillFile(fd);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends `data`; returns the offset it was written at. */
  append(data: Buffer): number {
    const offset = this.#size;
    for (let done = 0; done < data.length;)
      done += writeSync(this.fd, data, done, data.length - done, offset + done);
    this.#size += data.length;
    return offset;
  }

  read(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const read = readSync(this.fd, buffer, done, length - done, offset + done);
      if (read === 0) break;
      done += read;
    }
    return buffer.subarray(0, done);
  }

  /** Forgets everything written: the file is empty again. */
  clear(): void {
    ftruncateSync(this.fd);
    this.#size = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** What held output may keep in memory: per holder, and over all holders of a run together. */
export class MemoryBudget {
  used = 0;

  constructor(
    /** Most characters one holder keeps in memory before it moves to a temporary file. */
    readonly perHolder: number,
    /** Most characters all holders together keep in memory. */
    readonly total: number,
  ) {}
}

/** Default caps: 1 MiB per job, 16 MiB in all. */
export function createMemoryBudget(): MemoryBudget {
  return new MemoryBudget(1024 * 1024, 16 * 1024 * 1024);
}

/** Text written to a spill file in pieces of about this size, not line by line. */
const WRITE_BATCH = 64 * 1024;

/**
 * Text held until it can be shown (a job's output under `--output group` or `collapse`): in memory up to the
 * budget, then in a temporary file (see SpillFile), and replayed in order.
 *
 * @example
 * const held = new HeldText(budget);
 * held.add('line\n');
 * held.replay((chunk) => process.stdout.write(chunk));
 * held.release();
 */
export class HeldText {
  #memory: string[] = [];
  #memoryLength = 0;
  #file: SpillFile | undefined;
  /** Where this holder's text lies in the file, in order. */
  readonly #extents: { offset: number; length: number }[] = [];
  #length = 0;

  constructor(
    private readonly budget: MemoryBudget,
    /** A file shared with other holders (they append to it in turn); by default one of its own. */
    private readonly shared?: () => SpillFile,
  ) {}

  /** Characters held (in memory and on disk). */
  get length(): number {
    return this.#length;
  }

  /** True once some of the text went to a temporary file. */
  get spilled(): boolean {
    return this.#extents.length > 0 || this.#file !== undefined;
  }

  add(text: string): void {
    this.#length += text.length;
    this.#memory.push(text);
    this.#memoryLength += text.length;
    this.budget.used += text.length;
    const over =
      this.#memoryLength > this.budget.perHolder || this.budget.used > this.budget.total || this.spilled;
    if (over && (!this.spilled || this.#memoryLength >= WRITE_BATCH)) this.#flush();
  }

  /** Hands the text to `write` in order, in pieces of at most SPILL_CHUNK from the file. */
  replay(write: (chunk: string | Buffer) => void): void {
    if (!this.spilled) {
      if (this.#memoryLength > 0) write(this.#memory.join(''));
      return;
    }
    this.#flush();
    for (const { offset, length } of this.#extents) {
      for (let at = 0; at < length; at += SPILL_CHUNK)
        write(this.#file!.read(offset + at, Math.min(SPILL_CHUNK, length - at)));
    }
  }

  /** Frees the memory and, unless shared, the file. */
  release(): void {
    this.budget.used -= this.#memoryLength;
    this.#memory = [];
    this.#memoryLength = 0;
    if (!this.shared) this.#file?.close();
    this.#file = undefined;
  }

  #flush(): void {
    if (this.#memoryLength === 0) return;
    this.#file ??= this.shared ? this.shared() : SpillFile.open();
    const data = Buffer.from(this.#memory.join(''));
    const offset = this.#file.append(data);
    const last = this.#extents.at(-1);
    if (last && last.offset + last.length === offset) last.length += data.length;
    else this.#extents.push({ offset, length: data.length });
    this.budget.used -= this.#memoryLength;
    this.#memory = [];
    this.#memoryLength = 0;
  }
}
