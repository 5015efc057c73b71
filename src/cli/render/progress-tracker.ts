import type { FleetEvent } from '../../index.js';

/** A job running now past the stall limit: who holds up the run. */
export interface StalledJob {
  readonly target: string;
  readonly seq: number;
  readonly elapsedMs: number;
}

/** Done, failed and running jobs of one target group. */
export interface GroupTally {
  readonly name: string;
  /** Jobs this group will run, when known (one per target for `run`). */
  readonly total: number | undefined;
  done: number;
  failed: number;
  running: number;
}

/** A running job is stalled once it runs this many times the median job… */
const STALL_FACTOR = 3;
/** …and at least this long (before any job finished, this alone is the limit). */
const STALL_MIN_MS = 2000;
/** Durations kept for the median. */
const RECENT = 200;

/**
 * Live tallies of a run, fed by events: counts overall and per target group, the rate, an ETA from the
 * durations of finished jobs, and the jobs running far longer than the others.
 *
 * @example
 * const tracker = new ProgressTracker(40, (target) => (target.startsWith('web') ? '@web' : 'local'));
 * tracker.onEvent(event);
 * tracker.etaMs(); // 9000
 */
export class ProgressTracker {
  done = 0;
  failed = 0;
  /** Jobs that will not run (skipped or canceled): they leave the remaining work. */
  dropped = 0;
  readonly #running = new Map<number, { target: string; since: number }>();
  readonly #recent: number[] = [];
  #durationSum = 0;
  #durationCount = 0;
  readonly #startedAt: number;
  readonly #groups = new Map<string, GroupTally>();
  /** `-j auto`: each target's current limit, once it moved from where it started. */
  readonly limits = new Map<string, number>();

  constructor(
    readonly total: number | undefined,
    /** The group a target's jobs are counted under. */
    private readonly groupOf: (target: string) => string = () => 'all',
    /** The groups shown from the start, in order, each with the jobs it will run when known. */
    groups: ReadonlyMap<string, number | undefined> = new Map(),
    now = performance.now(),
  ) {
    this.#startedAt = now;
    for (const [name, total] of groups) this.#group(name, total);
  }

  onEvent(event: FleetEvent, now = performance.now()): void {
    if (event.type === 'start') {
      this.#stop(event.job.seq);
      this.#running.set(event.job.seq, { target: event.target, since: now });
      this.#group(this.groupOf(event.target)).running += 1;
    } else if (event.type === 'retry') this.#stop(event.job.seq);
    else if (event.type === 'end') {
      const job = event.report;
      this.#stop(job.seq);
      if (job.stage === 'skipped' || job.stage === 'canceled') {
        this.dropped += 1;
        return;
      }
      this.done += 1;
      const group = job.target === undefined ? undefined : this.#group(this.groupOf(job.target));
      if (group) group.done += 1;
      if (!job.ok) {
        this.failed += 1;
        if (group) group.failed += 1;
      }
      if (job.stage === 'run') {
        this.#recent.push(job.durationMs);
        if (this.#recent.length > RECENT) this.#recent.shift();
        this.#durationSum += job.durationMs;
        this.#durationCount += 1;
      }
    } else if (event.type === 'limit') this.limits.set(event.target, event.limit);
  }

  get running(): number {
    return this.#running.size;
  }

  /** The tallies of each group, in the order they were first seen. */
  get groups(): readonly GroupTally[] {
    return [...this.#groups.values()];
  }

  /** Jobs finished per second since the start. */
  rate(now = performance.now()): number {
    const seconds = (now - this.#startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  /**
   * Time left, from durations rather than counts: the jobs not started yet take the mean duration of the
   * finished ones, a running job the rest of that mean (at least nothing), and the work is shared by as many
   * jobs as run now; never less than the longest running job's own rest. Undefined until a job has finished,
   * or when the total is unknown.
   */
  etaMs(now = performance.now()): number | undefined {
    if (this.total === undefined || this.#durationCount === 0) return undefined;
    const mean = this.#durationSum / this.#durationCount;
    const waiting = Math.max(0, this.total - this.done - this.dropped - this.running);
    let runningRest = 0;
    let longestRest = 0;
    for (const { since } of this.#running.values()) {
      const rest = Math.max(0, mean - (now - since));
      runningRest += rest;
      longestRest = Math.max(longestRest, rest);
    }
    const width = Math.max(1, this.running);
    return Math.max((waiting * mean + runningRest) / width, longestRest);
  }

  /** Running jobs past 3× the median finished job and past 2 s, longest first. */
  stalled(now = performance.now()): StalledJob[] {
    const sorted = [...this.#recent].sort((a, b) => a - b);
    const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : 0;
    const limit = Math.max(STALL_MIN_MS, median * STALL_FACTOR);
    const stalled: StalledJob[] = [];
    for (const [seq, { target, since }] of this.#running) {
      const elapsedMs = now - since;
      if (elapsedMs > limit) stalled.push({ target, seq, elapsedMs });
    }
    return stalled.sort((a, b) => b.elapsedMs - a.elapsedMs);
  }

  #stop(seq: number): void {
    const running = this.#running.get(seq);
    if (!running) return;
    this.#running.delete(seq);
    this.#group(this.groupOf(running.target)).running -= 1;
  }

  #group(name: string, total?: number): GroupTally {
    let group = this.#groups.get(name);
    if (!group) this.#groups.set(name, (group = { name, total, done: 0, failed: 0, running: 0 }));
    return group;
  }
}
