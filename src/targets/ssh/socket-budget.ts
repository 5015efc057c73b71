import { openFileLimit } from '../../internal/open-file-limit.js';

/**
 * Sockets that pooled SSH connections may hold at once, idle ones included: half the open-file limit,
 * leaving the other half to processes, files and the runtime, so that a run over thousands of hosts waits
 * for a socket rather than failing with EMFILE. Unlimited where the limit is unknown.
 *
 * @example
 * socketBudgetFor(1024) // 512
 */
export function socketBudgetFor(openFiles: number | undefined): number {
  return openFiles === undefined ? Infinity : Math.max(1, Math.floor(openFiles / 2));
}

/**
 * A count of sockets against a budget. `take` waits while the budget is spent, first asking `evictIdle` to
 * close an idle connection (whose socket, once closed, is given back); a connection that falls idle while
 * someone waits should be closed by its owner for the same reason (`waiting`).
 *
 * @example
 * const sockets = new SocketBudget(512, () => closeOneIdleConnection());
 * await sockets.take(); try { … } finally { sockets.give(); }
 */
export class SocketBudget {
  readonly #limit: () => number;
  readonly #evictIdle: () => void;
  readonly #waiters: (() => void)[] = [];
  /** While anyone waits: keeps Node running and asks again for an idle connection every second. */
  #retry: NodeJS.Timeout | undefined;
  #held = 0;

  constructor(limit: () => number, evictIdle: () => void) {
    this.#limit = limit;
    this.#evictIdle = evictIdle;
  }

  /** Sockets taken and not given back. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting for a socket. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Waits for a socket. While anyone waits, one ref'd timer keeps Node running and asks again for an idle
   * connection every second, so the wait ends even when what would free a socket holds no handle that
   * keeps Node alive.
   */
  async take(): Promise<void> {
    while (this.#held >= this.#limit()) {
      const freed = new Promise<void>((resolve) => this.#waiters.push(resolve));
      this.#evictIdle();
      this.#retry ??= setInterval(() => this.#evictIdle(), 1000);
      await freed;
    }
    this.#held++;
  }

  give(): void {
    this.#held--;
    this.#waiters.shift()?.();
    if (this.#waiters.length === 0) {
      clearInterval(this.#retry);
      this.#retry = undefined;
    }
  }
}

let budget: number | undefined;

/** The budget of this process, read once. */
export function processSocketBudget(): number {
  return (budget ??= socketBudgetFor(openFileLimit()));
}
