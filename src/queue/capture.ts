import { createHash, type Hash } from 'node:crypto';

/** What a worker keeps of one attempt's output. */
export interface CapturedOutput {
  /** The first `cap` bytes of stdout, as its lines each ended by a newline (as the CLI prints them). */
  readonly stdout: string;
  /** The same of stderr. */
  readonly stderr: string;
  /** True when a stream went past the cap: what came after it is not kept. */
  readonly truncated: boolean;
  /** The sha256 of the whole of stdout, in the same form (lines each ended by a newline). */
  readonly sha256: string;
}

class Stream {
  readonly pieces: string[] = [];
  kept = 0;
  truncated = false;

  add(text: string, cap: number): void {
    if (this.truncated) return;
    const bytes = Buffer.byteLength(text);
    if (this.kept + bytes <= cap) {
      this.pieces.push(text);
      this.kept += bytes;
      return;
    }
    // Cut on a character boundary at or before the cap.
    const room = Buffer.from(text).subarray(0, cap - this.kept);
    const head = room.toString('utf8').replace(/\uFFFD$/, '');
    this.pieces.push(head);
    this.kept += Buffer.byteLength(head);
    this.truncated = true;
  }
}

interface JobOutput {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly hash: Hash;
}

/**
 * Keeps the output of the jobs a worker runs from their output lines, up to `cap` bytes of each stream per
 * job, and hashes all of stdout as it goes, so a job may write any amount: nothing past the cap is held in
 * memory, and the job is never killed for its output.
 *
 * @example
 * const capture = new OutputCapture(65536);
 * capture.add(7, 'stdout', 'hello', false);
 * capture.take(7); // { stdout: 'hello\n', stderr: '', truncated: false, sha256: '…' }
 */
export class OutputCapture {
  readonly #cap: number;
  readonly #jobs = new Map<number, JobOutput>();

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** One line (or, with `cut`, a piece of a line that goes on in the next) of job `seq`. */
  add(seq: number, stream: 'stdout' | 'stderr', line: string, cut: boolean): void {
    const job = this.#job(seq);
    const text = cut ? line : `${line}\n`;
    if (stream === 'stdout') job.hash.update(text);
    job[stream].add(text, this.#cap);
  }

  /** What was kept of job `seq`'s output; forgets it. */
  take(seq: number): CapturedOutput {
    const job = this.#job(seq);
    this.#jobs.delete(seq);
    return {
      stdout: job.stdout.pieces.join(''),
      stderr: job.stderr.pieces.join(''),
      truncated: job.stdout.truncated || job.stderr.truncated,
      sha256: job.hash.digest('hex'),
    };
  }

  #job(seq: number): JobOutput {
    let job = this.#jobs.get(seq);
    if (!job) {
      job = { stdout: new Stream(), stderr: new Stream(), hash: createHash('sha256') };
      this.#jobs.set(seq, job);
    }
    return job;
  }
}
