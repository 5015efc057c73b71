import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { distribute } from '../fleet/distribute.js';
import type { FleetEvent } from '../fleet/events.js';
import type { FleetJobInput } from '../fleet/job.js';
import { createSlots, type JobSlots } from '../fleet/slots.js';
import { normalizeMembers, type FleetMember, type FleetTarget } from '../fleet/members.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import {
  claimJobs,
  findClaimableRun,
  heartbeat,
  reapExpired,
  registerWorker,
  type ClaimedJob,
} from './attempts.js';
import { OutputCapture } from './capture.js';
import { ClaimSizer } from './claim-size.js';
import { persist, type Queue } from './connect.js';
import { JOBS_CHANNEL, listen } from './listen.js';
import { attemptResult, releasedResult } from './result.js';
import { ResultWriter } from './result-writer.js';
import { StartMarks } from './start-marks.js';
import { loadRun, settleRuns } from './runs.js';

/** Options of {@link runWorker}; every field but `members` is optional. */
export interface WorkerOptions {
  /** The targets this worker runs jobs on: bare targets, or `{ name?, target, weight?, env? }`. */
  readonly members: readonly FleetMember[];
  /** Most jobs running at once on this worker. Default: 32. */
  readonly concurrency?: number;
  /** Most jobs running at once on one target of weight 1. Default: unlimited. */
  readonly perTarget?: number;
  /** Serve only this run, and end when it ends. Default: any run, until `signal` aborts. */
  readonly runId?: number;
  /** How long a claim stays valid without a heartbeat, in ms (1000 and up); heartbeats come every third of it. Default: 30000. */
  readonly leaseMs?: number;
  /** Stops the worker: its running jobs are killed and given back to the queue. */
  readonly signal?: AbortSignal;
  /** What the worker does, for logs. Default: none. */
  readonly onEvent?: (event: WorkerEvent) => void;
}

/** What a worker reports as it goes. */
export type WorkerEvent =
  | { readonly type: 'serving'; readonly runId: number }
  | { readonly type: 'target-down'; readonly target: string; readonly error: Error }
  | { readonly type: 'stopped-run'; readonly runId: number }
  | { readonly type: 'db-error'; readonly error: unknown };

/** How much a worker did. */
export interface WorkerSummary {
  readonly id: string;
  readonly attempts: number;
}

/**
 * Runs a queue worker: claims jobs of running runs (or of `runId`) as leases, runs them on its members
 * with the fleet engine, writes each attempt back, keeps its leases alive, returns the jobs of dead workers
 * to the queue, and kills a run's jobs when it is halted now or canceled. Survives database restarts.
 *
 * @example
 * const queue = await openQueue('postgres://fanout@db/fanout');
 * await runWorker(queue, { members: [localTarget], concurrency: 16, runId: 7 });
 */
export async function runWorker(queue: Queue, options: WorkerOptions): Promise<WorkerSummary> {
  const worker = new Worker(queue, options);
  return worker.run();
}

/** A claimed job as the fleet engine takes it. */
type QueuedJob = Exclude<FleetJobInput, string> & { readonly seq: number };

async function* withSlots(
  jobs: AsyncIterable<QueuedJob>,
  marker: string,
  slots: JobSlots,
): AsyncGenerator<QueuedJob> {
  for await (const job of jobs) {
    yield { ...job, command: job.command.replaceAll(marker, String(slots.take(job.seq))) };
  }
}

const KNOWN = ['members', 'concurrency', 'perTarget', 'runId', 'leaseMs', 'signal', 'onEvent'];

class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly #queue: Queue;
  readonly #options: WorkerOptions;
  readonly #members: FleetTarget[];
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #stop: AbortSignal;
  readonly #serving = new Map<number, AbortController>();
  /** Runs served here that were seen stopping: their claimed jobs not yet started go back unrun. */
  readonly #stopping = new Set<number>();
  readonly #wakers = new Set<() => void>();
  readonly #writer: ResultWriter;
  readonly #starts: StartMarks;
  #attempts = 0;
  #failure: unknown;

  constructor(queue: Queue, options: WorkerOptions) {
    this.#queue = queue;
    validateOptions(options, 'runWorker', KNOWN);
    this.#options = options;
    this.#members = normalizeMembers(options.members);
    this.#concurrency = validateInteger(options.concurrency ?? 32, 'concurrency', 1);
    if (options.perTarget !== undefined) validateInteger(options.perTarget, 'perTarget', 1, true);
    if (options.runId !== undefined) validateInteger(options.runId, 'runId', 1);
    this.#leaseMs = validateInteger(options.leaseMs ?? 30_000, 'leaseMs', 1000);
    this.#stop = validateSignal(options.signal) ?? new AbortController().signal;
    this.#writer = new ResultWriter(queue.pool, (error) => this.#fail(error));
    this.#starts = new StartMarks(queue.pool);
  }

  async run(): Promise<WorkerSummary> {
    const { pool } = this.#queue;
    await persist(
      () =>
        registerWorker(pool, {
          id: this.id,
          host: hostname(),
          pid: process.pid,
          targets: this.#members.map((member) => member.name),
        }),
      this.#stop,
    );
    const listener = listen(
      this.#queue.source,
      ({ channel, runId }) => {
        if (channel === JOBS_CHANNEL) this.#wake();
        else void this.#checkRun(runId);
      },
      () => {
        this.#wake();
        for (const runId of this.#serving.keys()) void this.#checkRun(runId);
      },
    );
    const beat = setInterval(() => void this.#beat(), Math.max(50, Math.floor(this.#leaseMs / 3)));
    const watch = setInterval(() => {
      for (const runId of this.#serving.keys()) void this.#checkRun(runId);
    }, 1000);
    const onStop = (): void => this.#wake();
    this.#stop.addEventListener('abort', onStop);
    try {
      await this.#loop();
      await this.#starts.drain();
      await this.#writer.drain();
    } finally {
      this.#stop.removeEventListener('abort', onStop);
      clearInterval(beat);
      clearInterval(watch);
      await listener.close();
    }
    if (this.#failure !== undefined) throw this.#queue.fail(this.#failure, 'worker failed');
    return { id: this.id, attempts: this.#attempts };
  }

  async #loop(): Promise<void> {
    const { pool } = this.#queue;
    const only = this.#options.runId;
    if (only !== undefined) {
      const run = await persist(() => loadRun(pool, only), this.#stop);
      if (!run) throw new TypeError(`--run: no run ${only} in the queue ${this.#queue.source.label}`);
      await this.#serve(only, true);
      return;
    }
    while (!this.#stop.aborted && this.#failure === undefined) {
      const runId = await persist(() => findClaimableRun(pool), this.#stop).catch(() => undefined);
      if (runId === undefined) await this.#sleep(2000);
      else await this.#serve(runId, false);
    }
  }

  /** Runs the jobs of one run through the fleet engine until its queue is empty (or the run ends). */
  async #serve(runId: number, exclusive: boolean): Promise<void> {
    const { pool } = this.#queue;
    const run = await persist(() => loadRun(pool, runId), this.#stop);
    if (!run || run.state !== 'running') return;
    const controller = new AbortController();
    this.#serving.set(runId, controller);
    this.#options.onEvent?.({ type: 'serving', runId });
    const signal = AbortSignal.any([controller.signal, this.#stop]);
    const held = new Map<number, ClaimedJob>();
    const capture = new OutputCapture(run.outputCap);
    const sizer = new ClaimSizer(this.#concurrency);
    const slots = createSlots();
    const onEvent = (event: FleetEvent): void => {
      slots.onEvent(event);
      if (event.type === 'start') {
        const job = held.get(event.job.seq);
        if (job) this.#starts.add(job.attemptId);
      } else if (event.type === 'output') {
        capture.add(event.job.seq, event.stream, event.line, event.cut === true);
      } else if (event.type === 'end') {
        sizer.ended();
        const output = capture.take(event.report.seq);
        const job = held.get(event.report.seq);
        if (!job) return;
        held.delete(event.report.seq);
        this.#attempts += 1;
        this.#writer.add(attemptResult(job, event.report, output));
      } else if (event.type === 'target-down') {
        this.#options.onEvent?.({ type: 'target-down', target: event.target, error: event.error });
      }
    };
    try {
      const claims = this.#claims(runId, exclusive, held, sizer, signal);
      const marker = run.slotMarker === undefined ? undefined : String(run.slotMarker);
      // {%} is this worker's slot: the lowest one none of its running jobs holds when the job starts.
      const jobs = marker === undefined ? claims : withSlots(claims, marker, slots);
      await distribute(jobs, this.#members, {
        concurrency: this.#concurrency,
        ...(this.#options.perTarget === undefined ? {} : { perTarget: this.#options.perTarget }),
        ...(run.timeoutMs === undefined ? {} : { timeout: run.timeoutMs }),
        killGrace: run.killGraceMs,
        retries: 0,
        signal,
        keepJobs: false,
        keepOutput: false,
        onEvent,
      });
    } finally {
      this.#serving.delete(runId);
      this.#stopping.delete(runId);
    }
  }

  /**
   * The run's jobs, claimed a batch at a time (see ClaimSizer) as the fleet engine asks for the next one.
   * Claimed jobs are leased attempts from the claim on: the heartbeat covers them, and those not started
   * when the run stops or the worker ends are given back.
   */
  async *#claims(
    runId: number,
    exclusive: boolean,
    held: Map<number, ClaimedJob>,
    sizer: ClaimSizer,
    signal: AbortSignal,
  ): AsyncGenerator<QueuedJob> {
    const { pool } = this.#queue;
    const buffer: ClaimedJob[] = [];
    // Jobs with stdin (--pipe chunks) are claimed -j at a time: a claim holds their bytes in memory.
    let withStdin = false;
    let size = this.#concurrency;
    const claim = (): Promise<ClaimedJob[]> => {
      size = withStdin ? this.#concurrency : sizer.next();
      return persist(() => claimJobs(pool, this.id, runId, size, this.#leaseMs), signal).then(
        (claimed) => {
          withStdin ||= claimed.some((job) => job.stdin !== undefined);
          return claimed;
        },
        (error: unknown) => {
          if (!signal.aborted) this.#fail(error);
          return [];
        },
      );
    };
    // The next batch is claimed while the last half of this one starts, so no free slot waits on the database.
    let ahead: Promise<ClaimedJob[]> | undefined;
    try {
      for (;;) {
        if (signal.aborted || this.#failure !== undefined || this.#stopping.has(runId)) return;
        if (buffer.length === 0) {
          const prefetched = ahead;
          ahead = undefined;
          // An empty prefetch may be stale: jobs may have come since.
          let claimed = prefetched ? await prefetched : [];
          if (claimed.length === 0) claimed = await claim();
          if (claimed.length === 0) {
            if (!exclusive || signal.aborted) return;
            const run = await persist(() => loadRun(pool, runId), signal).catch(() => undefined);
            if (run?.state !== 'running') return;
            await this.#sleep(1000);
            continue;
          }
          buffer.push(...claimed);
        }
        if (ahead === undefined && buffer.length <= Math.ceil(size / 2)) ahead = claim();
        const job = buffer.shift()!;
        held.set(job.seq, job);
        yield { seq: job.seq, args: job.args, command: job.command, stdin: job.stdin, error: job.error };
      }
    } finally {
      const late = ahead ? await ahead : [];
      for (const job of [...buffer.splice(0), ...late]) this.#writer.add(releasedResult(job));
    }
  }

  /** Notes that a run served here is stopping, and kills its jobs here when it was halted now or canceled. */
  async #checkRun(runId: number): Promise<void> {
    const controller = this.#serving.get(runId);
    if (!controller) return;
    const run = await loadRun(this.#queue.pool, runId).catch(() => undefined);
    if (run && run.state !== 'running') this.#stopping.add(runId);
    if (run?.stop?.mode === 'now' && !controller.signal.aborted) {
      this.#options.onEvent?.({ type: 'stopped-run', runId });
      controller.abort(new Error(`run ${runId} ${run.stop.reason === 'canceled' ? 'canceled' : 'halted'}`));
    }
    if (run && run.state !== 'running') this.#wake();
  }

  /** Extends this worker's leases and returns expired ones of dead workers to the queue. */
  async #beat(): Promise<void> {
    const { pool } = this.#queue;
    try {
      await heartbeat(pool, this.id, this.#leaseMs);
      const reaped = await reapExpired(pool);
      await settleRuns(pool, reaped);
    } catch (error) {
      this.#options.onEvent?.({ type: 'db-error', error });
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= error;
    for (const controller of this.#serving.values()) controller.abort(error);
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stop.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}
