/**
 * A counting semaphore with a FIFO queue and a limit that may change while it runs (channels per
 * connection, handshakes per host).
 *
 * @example
 * const slots = new Slots(10);
 * await slots.acquire();
 * try { … } finally { slots.release(); }
 */
export class Slots {
  #limit: number;
  #active = 0;
  readonly #waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get pending(): number {
    return this.#waiters.length;
  }

  get limit(): number {
    return this.#limit;
  }

  set limit(value: number) {
    this.#limit = Math.max(1, value);
    this.#drain();
  }

  /** Resolves once a slot is held; the holder must `release()` it. An abort leaves the queue. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#limit && this.#waiters.length === 0) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    this.#active--;
    this.#drain();
  }

  /** Fails everyone still waiting. */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #drain(): void {
    while (this.#active < this.#limit && this.#waiters.length > 0) {
      this.#active++;
      this.#waiters.shift()!.resolve();
    }
  }
}
