import { onAbort } from '../internal/on-abort.js';
import { runWithTaskSignal } from '../internal/task-signal.js';
import { abortReason, createAbortError } from './abort.js';
import { CallQueue } from './call-queue.js';
import { QueuedCall, RunningSlot, startTask } from './limiter-calls.js';
import { validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/** How a limiter is set up; a bare number is `{ concurrency }`. */
export interface LimiterOptions {
  /** Most slots in use at once (a call holds `weight` slots). Required; `Infinity` allowed. */
  readonly concurrency: number;
  /** Most slots in use at once by the calls that share a `key`, e.g. 2 per host. Default: `Infinity`. */
  readonly keyConcurrency?: number;
}

/** Options of one call. */
export interface RunOptions {
  /**
   * Aborting it while the call waits removes the call and rejects it with the signal's reason. Once the
   * call has started, aborting it kills the `$` commands the call created; anything else in it stops only
   * if it is given the signal too. Default: none.
   */
  readonly signal?: AbortSignal;
  /** Slots the call holds while it runs; above `concurrency` it is clamped, so the call runs alone. Default: 1. */
  readonly weight?: number;
  /** Groups calls for `keyConcurrency`, e.g. a host name. Default: none. */
  readonly key?: unknown;
}

const RUN_OPTIONS = ['signal', 'weight', 'key'];

/**
 * Runs async functions with at most `concurrency` slots in use, starting them in the order they came (FIFO),
 * with optional per-call weights, per-key limits and AbortSignals. `concurrency` can be changed while calls
 * run; `clearQueue()` rejects the waiting calls with an AbortError instead of leaving them pending.
 *
 * @example
 * const limiter = new ConcurrencyLimiter(5);
 * const results = await Promise.all(commands.map((command) => limiter.run(() => $.raw`${command}`)));
 *
 * const perHost = new ConcurrencyLimiter({ concurrency: 16, keyConcurrency: 2 });
 * await perHost.run(() => deploy('web1'), { key: 'web1', weight: 2 });
 */
export class ConcurrencyLimiter {
  #concurrency: number;
  readonly #keyConcurrency: number;
  #used = 0;
  #running = 0;
  readonly #queue = new CallQueue();
  /** Calls aborted while in #queue; they are skipped when they reach its head. */
  #cancelled = 0;
  /** Calls that reached the head while their key was full; always older than anything in #queue. */
  readonly #parked = new Map<unknown, CallQueue>();
  #parkedCount = 0;
  readonly #keyUsed = new Map<unknown, number>();
  readonly #slots: RunningSlot[] = [];
  readonly #scratch: unknown[] = [undefined, undefined, undefined];
  #sequence = 0;

  constructor(options: number | LimiterOptions) {
    const { concurrency, keyConcurrency = Infinity } =
      typeof options === 'number'
        ? { concurrency: options }
        : validateOptions<LimiterOptions>(options, 'ConcurrencyLimiter', ['concurrency', 'keyConcurrency']);
    this.#concurrency = validateInteger(concurrency, 'concurrency', 1, true);
    this.#keyConcurrency = validateInteger(keyConcurrency, 'keyConcurrency', 1, true);
  }

  /** Calls running now. */
  get activeCount(): number {
    return this.#running;
  }

  /** Calls waiting to start. */
  get pendingCount(): number {
    return this.#queue.length - this.#cancelled + this.#parkedCount;
  }

  /** Most slots in use at once. Raising it starts waiting calls at once; lowering it lets running ones finish. */
  get concurrency(): number {
    return this.#concurrency;
  }

  set concurrency(value: number) {
    this.#concurrency = validateInteger(value, 'concurrency', 1, true);
    this.#drain();
  }

  /**
   * Runs `fn` when a slot is free and settles as it does. A synchronous throw becomes a rejection.
   *
   * @example
   * const text = await limiter.run(() => $`cat ${file}`.text(), { signal });
   */
  run<T>(fn: () => T | PromiseLike<T>, options?: RunOptions): Promise<T> {
    if (typeof fn !== 'function') validateFunction(fn, 'fn');
    if (options !== undefined) return this.#runWithOptions(fn, options) as Promise<T>;
    if (this.#used < this.#concurrency && this.#queue.length === 0) {
      this.#used++;
      this.#running++;
      return startTask(fn).then(this.#directFulfilled, this.#directRejected) as Promise<T>;
    }
    this.#queuing = fn;
    return new Promise<T>(this.#enqueue);
  }

  /** The function being queued, handed to #enqueue: one shared executor instead of a closure per call. */
  #queuing: unknown = undefined;

  readonly #enqueue = (resolve: (value: never) => void, reject: (error: unknown) => void): void => {
    this.#queue.push(this.#queuing, resolve, reject);
    this.#queuing = undefined;
    if (this.#used < this.#concurrency) this.#drain();
  };

  /**
   * Rejects every waiting call with an AbortError (`error.name === 'AbortError'`); running calls go on.
   *
   * @example
   * limiter.clearQueue();
   */
  clearQueue(): void {
    const error = createAbortError('The queue was cleared');
    const calls = this.#queue.drain();
    for (const parked of this.#parked.values()) calls.push(...parked.drain());
    this.#parked.clear();
    this.#cancelled = this.#parkedCount = 0;
    for (const [work, , reject] of calls) {
      if (typeof work === 'function') {
        (reject as (error: unknown) => void)(error);
      } else if ((work as QueuedCall).state !== 'cancelled') {
        const call = work as QueuedCall;
        call.state = 'cancelled';
        call.unlisten();
        call.reject(error);
      }
    }
  }

  readonly #directFulfilled = (value: unknown): unknown => {
    this.#release(1);
    return value;
  };

  readonly #directRejected = (error: unknown): never => {
    this.#release(1);
    throw error;
  };

  readonly #finish = (slot: RunningSlot): void => {
    if (slot.key !== undefined) {
      const used = (this.#keyUsed.get(slot.key) ?? 0) - slot.keyWeight;
      if (used > 0) this.#keyUsed.set(slot.key, used);
      else this.#keyUsed.delete(slot.key);
    }
    this.#slots.push(slot);
    this.#release(slot.weight);
  };

  #release(weight: number): void {
    this.#used -= weight;
    this.#running--;
    if (this.#queue.length !== 0 || this.#parkedCount !== 0) this.#drain();
  }

  #runWithOptions(fn: () => unknown, options: RunOptions): Promise<unknown> {
    const { signal, weight = 1, key } = validateOptions<RunOptions>(options, 'run', RUN_OPTIONS);
    validateSignal(signal);
    validateInteger(weight, 'weight', 1);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const call = new QueuedCall(fn, resolve, reject, weight, key, signal, this.#sequence++);
      if (signal) call.unlisten = onAbort(signal, (reason) => this.#cancel(call, reason));
      this.#queue.push(call, undefined, undefined);
      this.#drain();
    });
  }

  #cancel(call: QueuedCall, error: unknown): void {
    if (call.state === 'started' || call.state === 'cancelled') return;
    if (call.state === 'queued') this.#cancelled++;
    else this.#parkedCount--;
    call.state = 'cancelled';
    call.unlisten();
    call.reject(error);
    this.#drain();
  }

  /** Starts waiting calls, oldest first, while slots are free; a call that does not fit blocks those behind it. */
  #drain(): void {
    const queue = this.#queue;
    while (this.#used < this.#concurrency) {
      const parked = this.#parkedCount === 0 ? undefined : this.#oldestStartableParked();
      if (parked) {
        if (!this.#fits(parked)) return;
        this.#parkedCount--;
        (this.#parked.get(parked.key) as CallQueue).shift(this.#scratch);
        this.#startCall(parked);
        continue;
      }
      const work = queue.peek();
      if (work === undefined) return;
      if (typeof work === 'function') {
        queue.shift(this.#scratch);
        this.#startPlain();
        continue;
      }
      const call = work as QueuedCall;
      if (call.state === 'cancelled') {
        queue.shift(this.#scratch);
        this.#cancelled--;
        continue;
      }
      if (call.key !== undefined && !this.#keyFits(call)) {
        queue.shift(this.#scratch);
        this.#park(call);
        continue;
      }
      if (!this.#fits(call)) return;
      queue.shift(this.#scratch);
      this.#startCall(call);
    }
  }

  #fits(call: QueuedCall): boolean {
    return this.#used + Math.min(call.weight, this.#concurrency) <= this.#concurrency;
  }

  #keyFits(call: QueuedCall): boolean {
    const used = this.#keyUsed.get(call.key) ?? 0;
    return used + Math.min(call.weight, this.#keyConcurrency) <= this.#keyConcurrency;
  }

  #park(call: QueuedCall): void {
    let parked = this.#parked.get(call.key);
    if (!parked) this.#parked.set(call.key, (parked = new CallQueue()));
    parked.push(call, undefined, undefined);
    call.state = 'parked';
    this.#parkedCount++;
  }

  /** The oldest parked call whose key has room, dropping cancelled ones on the way. */
  #oldestStartableParked(): QueuedCall | undefined {
    let oldest: QueuedCall | undefined;
    for (const [key, parked] of this.#parked) {
      while ((parked.peek() as QueuedCall | undefined)?.state === 'cancelled') parked.shift(this.#scratch);
      const head = parked.peek() as QueuedCall | undefined;
      if (!head) this.#parked.delete(key);
      else if (this.#keyFits(head) && (!oldest || head.sequence < oldest.sequence)) oldest = head;
    }
    return oldest;
  }

  #takeSlot(): RunningSlot {
    return this.#slots.pop() ?? new RunningSlot(this.#finish);
  }

  #startPlain(): void {
    const scratch = this.#scratch;
    const slot = this.#takeSlot();
    slot.resolve = scratch[1] as (value: unknown) => void;
    slot.reject = scratch[2] as (error: unknown) => void;
    slot.weight = 1;
    slot.key = undefined;
    const fn = scratch[0] as () => unknown;
    scratch[0] = scratch[1] = scratch[2] = undefined;
    this.#used++;
    this.#running++;
    startTask(fn).then(slot.onFulfilled, slot.onRejected);
  }

  #startCall(call: QueuedCall): void {
    call.state = 'started';
    call.unlisten();
    const slot = this.#takeSlot();
    slot.resolve = call.resolve;
    slot.reject = call.reject;
    slot.weight = Math.min(call.weight, this.#concurrency);
    slot.key = call.key;
    if (call.key !== undefined) {
      slot.keyWeight = Math.min(call.weight, this.#keyConcurrency);
      this.#keyUsed.set(call.key, (this.#keyUsed.get(call.key) ?? 0) + slot.keyWeight);
    }
    this.#used += slot.weight;
    this.#running++;
    const { fn, signal } = call;
    startTask(signal ? () => runWithTaskSignal(signal, fn) : fn).then(slot.onFulfilled, slot.onRejected);
  }
}
