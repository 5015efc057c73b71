import { setMaxListeners } from 'node:events';
import { FanoutError } from '../errors.js';
import type { JobRef } from './events.js';
import { runAttempt, type AttemptOutcome } from './execute.js';
import { readJobs, type FleetJob, type FleetJobInput } from './job.js';
import type { FleetTarget } from './members.js';
import { retryDelay, type ResolvedFleetOptions } from './options.js';
import { batchSizes, isThresholdReached, type FailureKind } from './policy.js';
import { failureKind, Tally, type FleetReport, type JobReport } from './report.js';
import { TargetLimit } from './target-limit.js';
import { setLongTimeout, type LongTimer } from '../internal/timer.js';

/** A member's live state. */
interface Slot {
  readonly member: FleetTarget;
  readonly capacity: number;
  /** With `adaptive`: the member's own limit, which moves as its jobs finish (capacity then caps it). */
  readonly limit: TargetLimit | undefined;
  active: number;
  assigned: number;
  /** Until when (performance.now()) the member counts as down after it could not be reached; 0 when up. */
  downUntil: number;
  /** How long its next time down lasts: doubled on each failure to reach it, reset by a success. */
  coolDownMs: number;
  /** Jobs pinned to this member (`runOn`) that have not ended for good yet. */
  pinned: number;
  /** Whether its last attempt reached it (undefined before its first): one that did not comes last. */
  reached: boolean | undefined;
}

/** A member that could not be reached gets its jobs again after this long, then twice as long, up to the cap. */
const FIRST_COOL_DOWN_MS = 5_000;
const MAX_COOL_DOWN_MS = 60_000;

const isDown = (slot: Slot): boolean => slot.downUntil > performance.now();

/** A job waiting for a slot: new, or a retry (with the targets it already failed on). */
interface Pending {
  readonly job: FleetJob;
  readonly attempt: number;
  /** Retries used so far; a move away from an unreachable target uses none. */
  readonly retried: number;
  readonly tried: ReadonlySet<string>;
  readyAt: number;
}

function refOf(job: FleetJob): JobRef {
  return { seq: job.seq, command: job.command, args: job.args };
}

function skippedReport(job: FleetJob): JobReport {
  return {
    ...refOf(job),
    target: undefined,
    stage: 'skipped',
    ok: false,
    exitCode: null,
    signal: null,
    attempts: 0,
    startedAt: 0,
    durationMs: 0,
    outputBytes: 0,
    stdout: '',
    stderr: '',
    error: undefined,
    errorCode: undefined,
  };
}

/**
 * One run of jobs over a fleet: pulls jobs from the input only when a slot is free (so the input is read
 * lazily), places each on the least-loaded member that is up, retries failures on another member, marks
 * unreachable members down for a cool-down, and applies the failure policy.
 */
export class FleetRun {
  readonly #options: ResolvedFleetOptions;
  readonly #slots: Slot[];
  readonly #cancel = new AbortController();
  readonly #tally = new Tally();
  readonly #jobs: JobReport[] = [];
  readonly #retries: Pending[] = [];
  #active = 0;
  #started = 0;
  #stopping = false;
  #halted: FleetReport['halted'];
  #total: number | undefined;
  /** Every job is pinned to its member (`runOn`). */
  #pinnedRun = false;
  /** The members' weights added up. */
  #weights: number | undefined;
  #wake: (() => void) | undefined;
  #retryTimer: LongTimer | undefined;
  /** With `delay`: when the next job may start (performance.now() time), and the timer waiting for it. */
  #nextStartAt = 0;
  #delayTimer: LongTimer | undefined;

  constructor(members: readonly FleetTarget[], options: ResolvedFleetOptions) {
    this.#options = options;
    // Every running attempt listens to the run's cancel signal.
    setMaxListeners(Infinity, this.#cancel.signal);
    this.#slots = members.map((member) => ({
      member,
      capacity:
        options.perTarget === Infinity
          ? Infinity
          : Math.max(1, Math.round(options.perTarget * member.weight)),
      limit: options.adaptive && new TargetLimit(options.adaptive),
      active: 0,
      assigned: 0,
      downUntil: 0,
      coolDownMs: FIRST_COOL_DOWN_MS,
      pinned: 0,
      reached: undefined,
    }));
  }

  /** Runs jobs as callers give them. */
  async execute(input: Iterable<FleetJobInput> | AsyncIterable<FleetJobInput>): Promise<FleetReport> {
    // Percentage batches need the number of jobs: known for arrays, read in full otherwise.
    const needsTotal = this.#options.policy.batches?.some((size) => typeof size === 'string') ?? false;
    let jobs = input;
    if (!Array.isArray(input) && needsTotal) {
      const all: FleetJobInput[] = [];
      for await (const job of input) all.push(job);
      jobs = all;
    }
    if (Array.isArray(jobs)) this.#total = jobs.length;
    return this.#run(readJobs(jobs), Array.isArray(jobs));
  }

  /** Runs jobs already numbered (and pinned, for `runOn`). */
  executePinned(jobs: readonly FleetJob[]): Promise<FleetReport> {
    this.#total = jobs.length;
    this.#pinnedRun = true;
    for (const job of jobs) {
      const slot = this.#slots.find((candidate) => candidate.member === job.pin);
      if (slot) slot.pinned += 1;
    }
    return this.#run(
      (async function* () {
        yield* jobs;
      })(),
      true,
    );
  }

  async #run(source: AsyncGenerator<FleetJob>, finite: boolean): Promise<FleetReport> {
    const begin = performance.now();
    const { signal } = this.#options;
    const onAbort = (): void => this.#halt('now', 'aborted');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await this.#loop(source);
      } catch (error) {
        // The input broke (an unreadable stdin, a throwing iterable): start nothing more, but let what runs
        // finish and be reported before the error reaches the caller.
        this.#stopping = true;
        await this.#idle();
        throw error;
      }
      await this.#idle();
      // Jobs never started are reported as skipped when the input is finite (a stream may never end).
      if (this.#stopping && finite) {
        for (let next = await source.next(); !next.done; next = await source.next()) this.#skip(next.value);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#retryTimer?.clear();
      this.#delayTimer?.clear();
      await source.return(undefined);
    }
    return {
      jobs: this.#jobs,
      counts: this.#tally.snapshot(),
      halted: this.#halted,
      durationMs: performance.now() - begin,
    };
  }

  async #loop(source: AsyncGenerator<FleetJob>): Promise<void> {
    const { policy } = this.#options;
    const sizes = policy.batches ? batchSizes(policy.batches, this.#total) : undefined;
    let batch = 1;
    let batchSize = sizes ? (sizes.next().value ?? 0) : Infinity;
    let batchLeft = batchSize;
    let held: Pending | undefined;
    let sourceDone = false;

    for (;;) {
      if (this.#stopping) break;
      if (this.#active < this.#options.concurrency && this.#startAllowed()) {
        const retry = this.#takeRetry();
        if (retry && this.#place(retry)) continue;
        if (retry) this.#retries.push(retry);
        if (!held && !sourceDone && batchLeft > 0) {
          const next = await source.next();
          if (this.#stopping) {
            if (!next.done) this.#skip(next.value);
            break;
          }
          if (next.done) sourceDone = true;
          else {
            batchLeft -= 1;
            held = { job: next.value, attempt: 1, retried: 0, tried: new Set(), readyAt: 0 };
          }
        }
        if (held && this.#place(held)) {
          held = undefined;
          continue;
        }
      }
      if (!held && this.#active === 0 && this.#retries.length === 0) {
        if (sourceDone) break;
        if (batchLeft === 0 && sizes) {
          if (batchSize > 0) this.#options.onEvent?.({ type: 'batch-end', batch, size: batchSize });
          if (this.#thresholdReached()) {
            this.#halt('soon', 'threshold');
            break;
          }
          batch += 1;
          batchSize = sizes.next().value ?? 0;
          batchLeft = batchSize;
          if (batchSize === 0) break;
          continue;
        }
      }
      // Timers may fire a little before performance.now() says they are due: re-arm for what still waits.
      if (this.#retries.length > 0) this.#armRetryTimer();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    if (held) this.#skip(held.job);
    for (const pending of this.#retries.splice(0)) this.#skip(pending.job);
  }

  /** Starts a pending job on the best member, or returns false when none has a free slot right now. */
  #place(pending: Pending): boolean {
    if (pending.job.error !== undefined) {
      this.#started += 1;
      this.#finish({
        ...skippedReport(pending.job),
        stage: 'run',
        attempts: 1,
        startedAt: Date.now(),
        error: pending.job.error,
      });
      return true;
    }
    const slot = this.#choose(pending);
    if (slot === null) return false;
    this.#active += 1;
    if (pending.attempt === 1) this.#started += 1;
    if (slot === 'none') {
      void this.#finishUnreachable(pending);
      return true;
    }
    slot.active += 1;
    slot.assigned += 1;
    this.#nextStartAt = performance.now() + this.#options.delayMs;
    void this.#attempt(pending, slot);
    return true;
  }

  /**
   * The least-loaded up member with a free slot, preferring members the job has not failed on; `'none'` when
   * no member the job may use is up; null when one is up but busy. A member whose last attempt could not
   * reach it comes last, then the members that had their share of the run's jobs; among the least loaded of
   * the others, one that already ran a job of this run (and so holds a connection and a session agent)
   * comes first; then the one that had the fewest jobs.
   */
  #choose(pending: Pending): Slot | 'none' | null {
    const pin = pending.job.pin;
    const allowed = this.#slots.filter((slot) => !isDown(slot) && (!pin || slot.member === pin));
    if (allowed.length === 0) return 'none';
    const fresh = allowed.filter((slot) => !pending.tried.has(slot.member.name));
    const candidates = fresh.length > 0 ? fresh : allowed;
    let best: Slot | null = null;
    for (const slot of candidates) {
      if (slot.active >= (slot.limit?.current ?? slot.capacity)) continue;
      if (!best || this.#before(slot, best)) best = slot;
    }
    return best;
  }

  /** True when `slot` should get the next job before `other`. */
  #before(slot: Slot, other: Slot): boolean {
    const failing = Number(slot.reached === false) - Number(other.reached === false);
    if (failing !== 0) return failing < 0;
    const done = Number(this.#hadShare(slot)) - Number(this.#hadShare(other));
    if (done !== 0) return done < 0;
    const load = slot.active / slot.member.weight - other.active / other.member.weight;
    if (load !== 0) return load < 0;
    const warm = Number(this.#isWarm(slot)) - Number(this.#isWarm(other));
    if (warm !== 0) return warm > 0;
    return slot.assigned / slot.member.weight < other.assigned / other.member.weight;
  }

  /** Has had its share of the jobs (false while their number is unknown): it comes after the others. */
  #hadShare(slot: Slot): boolean {
    return this.#total !== undefined && slot.assigned >= this.#share(slot);
  }

  /**
   * Ran a job of this run, was reached by its last one, and has had less than its share of the jobs. While the number of jobs is unknown
   * (a stream), no member is: they take turns.
   */
  #isWarm(slot: Slot): boolean {
    return this.#total !== undefined && slot.reached === true && slot.assigned < this.#share(slot);
  }

  /** The member's share of the run's jobs (their number must be known), by weight. */
  #share(slot: Slot): number {
    this.#weights ??= this.#slots.reduce((sum, each) => sum + each.member.weight, 0);
    return Math.ceil((this.#total! * slot.member.weight) / this.#weights);
  }

  /**
   * A member that will get no more jobs in this run lets go of its idle connection and session agents at
   * once (file descriptors and server sessions count at hundreds of hosts): it finished its pinned jobs, or
   * had its share of the jobs. Members may share a target: it is released once all of them are done. A
   * retry that still lands on it connects again.
   */
  #releaseIfDone(slot: Slot): void {
    if (this.#total === undefined) return;
    const target = slot.member.target;
    const sharing = this.#slots.filter((each) => each.member.target === target);
    if (sharing.every((each) => this.#isDone(each))) target.releaseIdle?.();
  }

  #isDone(slot: Slot): boolean {
    if (slot.active > 0) return false;
    return this.#pinnedRun ? slot.pinned === 0 : slot.assigned >= this.#share(slot);
  }

  async #attempt(pending: Pending, slot: Slot): Promise<void> {
    const { job, attempt } = pending;
    const { onEvent } = this.#options;
    const name = slot.member.name;
    onEvent?.({ type: 'start', job: refOf(job), target: name, attempt });
    const { stdin } = this.#options;
    const outcome = await runAttempt({
      job: job.stdin === undefined && stdin !== undefined ? { ...job, stdin } : job,
      member: slot.member,
      timeoutMs: this.#options.timeoutMs,
      killGraceMs: this.#options.killGraceMs,
      signal: this.#cancel.signal,
      killNow: this.#options.killNow,
      keepOutput: this.#options.keepOutput,
      maxBuffer: this.#options.maxBuffer,
      onLine:
        onEvent &&
        ((stream, line, cut) =>
          onEvent({
            type: 'output',
            job: refOf(job),
            target: name,
            stream,
            line,
            ...(cut ? { cut: true as const } : {}),
          })),
    });
    const change = slot.limit?.record(outcome, slot.active);
    if (change) onEvent?.({ type: 'limit', target: name, ...change });
    slot.active -= 1;
    this.#active -= 1;
    // A pinned job (runOn) has nowhere else to go: its target stays up for a retry. Any other member that
    // could not be reached is left alone for a cool-down, then tried again: hosts come back.
    slot.reached = outcome.stage !== 'connect';
    if (slot.reached) slot.coolDownMs = FIRST_COOL_DOWN_MS;
    else if (!job.pin && !isDown(slot)) {
      slot.downUntil = performance.now() + slot.coolDownMs;
      slot.coolDownMs = Math.min(slot.coolDownMs * 2, MAX_COOL_DOWN_MS);
      onEvent?.({ type: 'target-down', target: name, error: outcome.error! });
    }
    const report = this.#report(job, name, attempt, outcome);
    const kind = failureKind(report);
    // A job whose target was unreachable never ran: it moves to another member without using up a retry.
    const moves = kind === 'unreachable' && !job.pin && this.#slots.some((other) => !isDown(other));
    if (kind && !this.#stopping && (moves || pending.retried < this.#options.retries)) {
      const delayMs = moves ? 0 : retryDelay(pending.retried + 1, this.#options.backoffMs);
      this.#scheduleRetry(pending, name, kind, delayMs, moves ? pending.retried : pending.retried + 1);
    } else {
      if (job.pin) slot.pinned -= 1;
      this.#finish(report);
    }
    this.#releaseIfDone(slot);
    this.#notify();
  }

  #scheduleRetry(
    pending: Pending,
    target: string,
    reason: FailureKind,
    delayMs: number,
    retried: number,
  ): void {
    this.#tally.retries += 1;
    this.#options.onEvent?.({
      type: 'retry',
      job: refOf(pending.job),
      target,
      attempt: pending.attempt,
      reason,
      delayMs,
    });
    this.#retries.push({
      job: pending.job,
      attempt: pending.attempt + 1,
      retried,
      tried: new Set([...pending.tried, target]),
      readyAt: performance.now() + delayMs,
    });
    this.#armRetryTimer();
  }

  /** False while `delay` holds the next start back (a timer then wakes the loop when it may start). */
  #startAllowed(): boolean {
    const wait = this.#nextStartAt - performance.now();
    if (this.#options.delayMs === 0 || wait <= 0) return true;
    this.#delayTimer?.clear();
    this.#delayTimer = setLongTimeout(() => this.#notify(), Math.ceil(wait));
    return false;
  }

  #armRetryTimer(): void {
    this.#retryTimer?.clear();
    if (this.#retries.length === 0) return;
    const soonest = Math.min(...this.#retries.map((pending) => pending.readyAt));
    this.#retryTimer = setLongTimeout(
      () => this.#notify(),
      Math.max(0, Math.ceil(soonest - performance.now())),
    );
  }

  #takeRetry(): Pending | undefined {
    const now = performance.now();
    const index = this.#retries.findIndex((pending) => pending.readyAt <= now);
    if (index < 0) return undefined;
    const [pending] = this.#retries.splice(index, 1);
    this.#armRetryTimer();
    return pending;
  }

  async #finishUnreachable(pending: Pending): Promise<void> {
    await Promise.resolve();
    this.#active -= 1;
    const error = new Error(`No target is left up to run job #${pending.job.seq}`);
    this.#finish({
      ...skippedReport(pending.job),
      stage: 'connect',
      attempts: pending.attempt - 1,
      error: error.message,
      errorCode: 'TARGET_UNAVAILABLE',
    });
    this.#notify();
  }

  #report(job: FleetJob, target: string, attempts: number, outcome: AttemptOutcome): JobReport {
    return {
      ...refOf(job),
      target,
      stage: outcome.stage,
      ok: outcome.stage === 'run' && outcome.exitCode === 0 && outcome.signal === null && !outcome.error,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      attempts,
      startedAt: outcome.startedAt,
      durationMs: outcome.durationMs,
      outputBytes: outcome.outputBytes,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      error: outcome.error?.message,
      errorCode: outcome.error instanceof FanoutError ? outcome.error.code : undefined,
    };
  }

  #finish(report: JobReport): void {
    this.#tally.add(report);
    if (this.#options.keepJobs) this.#jobs.push(report);
    this.#options.onEvent?.({ type: 'end', report });
    if (!this.#stopping && this.#thresholdReached() && !this.#options.policy.batches) {
      this.#halt(this.#options.policy.halt as 'soon' | 'now', 'threshold');
    } else if (!this.#stopping && this.#thresholdReached() && this.#options.policy.halt === 'now') {
      this.#halt('now', 'threshold');
    }
  }

  #skip(job: FleetJob): void {
    this.#finish(skippedReport(job));
    this.#options.onEvent?.({ type: 'skip', job: refOf(job) });
  }

  #thresholdReached(): boolean {
    const { failed, timeout, unreachable } = this.#tally;
    return isThresholdReached(this.#options.policy, {
      failed,
      timeout,
      unreachable,
      started: this.#started,
      total: this.#total,
    });
  }

  #halt(mode: 'soon' | 'now', reason: 'threshold' | 'aborted'): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#halted = { mode, reason };
    this.#options.onEvent?.({ type: 'halt', mode, reason });
    if (mode === 'now') this.#cancel.abort(new Error(`Run halted: ${reason}`));
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #idle(): Promise<void> {
    while (this.#active > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
  }
}
