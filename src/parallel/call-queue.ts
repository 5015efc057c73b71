/**
 * A FIFO of waiting calls, each stored as three slots (work, resolve, reject) in one flat ring buffer:
 * no object per queued call, O(1) push and shift, and the buffer only grows by doubling. The limiter's
 * hot path depends on it; `Queue<T>`-style wrappers would cost an allocation per task.
 *
 * @example
 * const queue = new CallQueue();
 * queue.push(fn, resolve, reject);
 */
export class CallQueue {
  #slots: unknown[] = new Array(3 * 16);
  #mask = 15;
  #head = 0;
  #length = 0;

  /** How many calls wait. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends a call.
   *
   * @example
   * queue.push(fn, resolve, reject);
   */
  push(work: unknown, resolve: unknown, reject: unknown): void {
    if (this.#length > this.#mask) this.#grow();
    const at = 3 * ((this.#head + this.#length) & this.#mask);
    const slots = this.#slots;
    slots[at] = work;
    slots[at + 1] = resolve;
    slots[at + 2] = reject;
    this.#length++;
  }

  /** The work of the oldest call, without removing it; undefined when empty. */
  peek(): unknown {
    return this.#length === 0 ? undefined : this.#slots[3 * this.#head];
  }

  /**
   * Removes the oldest call and writes its three slots into `into` (reused by the caller, so no array is
   * allocated per call). Returns false when empty.
   *
   * @example
   * if (queue.shift(scratch)) start(scratch[0], scratch[1], scratch[2]);
   */
  shift(into: unknown[]): boolean {
    if (this.#length === 0) return false;
    const at = 3 * this.#head;
    const slots = this.#slots;
    into[0] = slots[at];
    into[1] = slots[at + 1];
    into[2] = slots[at + 2];
    slots[at] = slots[at + 1] = slots[at + 2] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return true;
  }

  /** Removes every call and returns them oldest first, as `[work, resolve, reject]` triples. */
  drain(): Array<[unknown, unknown, unknown]> {
    const calls: Array<[unknown, unknown, unknown]> = [];
    const scratch: unknown[] = [];
    while (this.shift(scratch)) calls.push([scratch[0], scratch[1], scratch[2]]);
    this.#slots = new Array(3 * 16);
    this.#mask = 15;
    this.#head = 0;
    return calls;
  }

  #grow(): void {
    const capacity = this.#mask + 1;
    const next: unknown[] = new Array(6 * capacity);
    for (let i = 0; i < this.#length; i++) {
      const from = 3 * ((this.#head + i) & this.#mask);
      next[3 * i] = this.#slots[from];
      next[3 * i + 1] = this.#slots[from + 1];
      next[3 * i + 2] = this.#slots[from + 2];
    }
    this.#slots = next;
    this.#mask = 2 * capacity - 1;
    this.#head = 0;
  }
}
