/**
 * The two records behind ConcurrencyLimiter: a call waiting with options (weight, key, signal), and a
 * reusable slot that settles a started call. Slots are pooled, so a running task costs no closure.
 */

type Settle = (value: unknown) => void;

/** Where a call with options is: in the main queue, parked behind its key's limit, started, or cancelled. */
export type CallState = 'queued' | 'parked' | 'started' | 'cancelled';

/**
 * A call that came with options. Plain calls skip this record and sit in the queue as bare triples.
 *
 * @example
 * const call = new QueuedCall(fn, resolve, reject, 3, 'web1', signal, 7);
 */
export class QueuedCall {
  state: CallState = 'queued';
  /** Stops listening to the call's signal; set while the call waits. */
  unlisten: () => void = noop;

  constructor(
    readonly fn: () => unknown,
    readonly resolve: Settle,
    readonly reject: Settle,
    readonly weight: number,
    readonly key: unknown,
    readonly signal: AbortSignal | undefined,
    /** Arrival order, to keep FIFO between parked calls of different keys. */
    readonly sequence: number,
  ) {}
}

function noop(): void {}

/**
 * Settles one started call and hands itself back to the limiter. Its two handlers are created once per
 * slot, not once per task.
 *
 * @example
 * startTask(fn).then(slot.onFulfilled, slot.onRejected);
 */
export class RunningSlot {
  resolve: Settle | undefined = undefined;
  reject: Settle | undefined = undefined;
  weight = 1;
  key: unknown = undefined;
  keyWeight = 0;

  constructor(private readonly finish: (slot: RunningSlot) => void) {}

  readonly onFulfilled = (value: unknown): void => {
    const resolve = this.resolve as Settle;
    this.resolve = this.reject = undefined;
    this.finish(this);
    resolve(value);
  };

  readonly onRejected = (error: unknown): void => {
    const reject = this.reject as Settle;
    this.resolve = this.reject = undefined;
    this.finish(this);
    reject(error);
  };
}

/**
 * Calls `fn` and returns its outcome as a native promise: a synchronous throw becomes a rejection, and a
 * thenable (such as a lazy ProcessPromise) is started by adopting it.
 *
 * @example
 * startTask(() => 1).then(console.log); // 1
 */
export function startTask(fn: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return Promise.reject(error);
  }
  return result instanceof Promise ? result : Promise.resolve(result);
}
