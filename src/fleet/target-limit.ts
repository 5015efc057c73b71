import { GradientLimit, type LimitAlgorithm } from '../parallel/adaptive-limit.js';
import type { AttemptOutcome } from './execute.js';

/** Bounds of the per-member limits of an adaptive run (`-j auto`); every field has a default. */
export interface AdaptiveLimitOptions {
  /** Jobs a member may run at once before any has finished. Default: 4. */
  readonly initial?: number;
  /** The limit never drops below this. Default: 1. */
  readonly min?: number;
  /** The limit never rises above this (nor above `perTarget`). Default: 64. */
  readonly max?: number;
}

/** How a member's whole-number limit moved. */
export interface LimitChange {
  readonly limit: number;
  readonly previous: number;
}

/**
 * One member's limit in an adaptive run: it shrinks when the member's jobs fail (each failure takes at least
 * one slot away) or take longer than they did at their quickest, and grows while they succeed as fast as
 * ever and the limit is in use. The toolkit's latency-aware algorithm (GradientLimit) does the arithmetic.
 *
 * @example
 * const limit = new TargetLimit({ initial: 4, min: 1, max: 64 });
 * limit.record(outcome, 4); // { limit: 5, previous: 4 } or undefined when unchanged
 */
export class TargetLimit {
  readonly #algorithm: LimitAlgorithm;
  #current: number;

  constructor(bounds: Required<AdaptiveLimitOptions>) {
    // A remote command's time varies more than an in-process call's (scheduling, the network, its own
    // work): up to twice its quickest still counts as unloaded.
    this.#algorithm = new GradientLimit({ ...bounds, backoffRatio: 0.9, latencyTolerance: 2 });
    this.#current = bounds.initial;
  }

  /** Jobs the member may run at once now. */
  get current(): number {
    return this.#current;
  }

  /**
   * Feeds one finished attempt (`inflight`: the member's attempts running when it ended, itself included).
   * A canceled attempt says nothing about the member and is ignored.
   */
  record(outcome: AttemptOutcome, inflight: number): LimitChange | undefined {
    if (outcome.stage === 'canceled') return undefined;
    const ok = outcome.stage === 'run' && outcome.exitCode === 0 && outcome.signal === null && !outcome.error;
    const previous = this.#current;
    this.#current = Math.floor(this.#algorithm.update({ ok, latencyMs: outcome.durationMs, inflight }));
    return this.#current === previous ? undefined : { limit: this.#current, previous };
  }
}
