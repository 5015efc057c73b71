/**
 * The two limit algorithms behind DynamicConcurrency, as pure state machines fed one sample per finished
 * task. They keep a fractional limit; callers use its floor.
 */

/** One finished task. */
export interface LimitSample {
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Tasks running when it finished, itself included. */
  readonly inflight: number;
}

/** Bounds and tuning shared by both algorithms. */
export interface LimitBounds {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** Multiplier on failure (never less than a step of 1 down). */
  readonly backoffRatio: number;
  /** Latency mode: how far above its floor latency may rise and still count as "near" it. */
  readonly latencyTolerance: number;
}

/** An algorithm: the current (fractional) limit and how a sample moves it. */
export interface LimitAlgorithm {
  readonly limit: number;
  update(sample: LimitSample): number;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Failure is congestion in both modes: back off by the ratio, at least one step (Netflix #137, #176). */
function backOff(limit: number, bounds: LimitBounds): number {
  return clamp(Math.min(limit - 1, limit * bounds.backoffRatio), bounds.min, bounds.max);
}

/**
 * Additive increase, multiplicative decrease: +1 per success while the limit is in use (at least half
 * of it running, so an idle limit does not climb for nothing), × backoffRatio per failure.
 *
 * @example
 * const aimd = new AimdLimit({ initial: 5, min: 1, max: 10, backoffRatio: 0.9, latencyTolerance: 1.5 });
 * aimd.update({ ok: true, latencyMs: 12, inflight: 5 }); // 6
 */
export class AimdLimit implements LimitAlgorithm {
  limit: number;
  constructor(private readonly bounds: LimitBounds) {
    this.limit = bounds.initial;
  }

  update(sample: LimitSample): number {
    if (!sample.ok) this.limit = backOff(this.limit, this.bounds);
    else if (sample.inflight * 2 >= this.limit) this.limit = Math.min(this.bounds.max, this.limit + 1);
    return this.limit;
  }
}

/** Weight of a new sample in the recent-latency average. */
const RECENT_WEIGHT = 0.3;
/** Weight of a new estimate in the limit (Gradient2's smoothing). */
const SMOOTHING = 0.2;
/** Samples pinned at the minimum before the latency floor is measured afresh (Envoy #10647). */
const REBASE_AFTER = 20;

/**
 * Latency-aware, after Netflix's Gradient2 and Envoy's adaptive concurrency: grows while recent latency
 * stays within `latencyTolerance` of its floor, and shrinks in proportion when it rises. Guards against
 * their known failure modes: failures back off instead of being ignored (Netflix #137, #176); the growth
 * term applies only while latency is near its floor and the limit is in use (Netflix PR #134); the
 * gradient is clamped to [0.5, 1] (Envoy PR #9038); a floor gone stale after sustained slowness is
 * re-measured (Envoy #10647), and there is no probing drop to the minimum (Envoy #8337).
 *
 * @example
 * const gradient = new GradientLimit({ initial: 4, min: 1, max: 64, backoffRatio: 0.9, latencyTolerance: 1.5 });
 * gradient.update({ ok: true, latencyMs: 20, inflight: 4 });
 */
export class GradientLimit implements LimitAlgorithm {
  limit: number;
  /** Lowest latency seen: the no-load baseline. */
  floorMs: number | undefined;
  /** Moving average of recent latencies. */
  recentMs: number | undefined;
  #pinned = 0;

  constructor(private readonly bounds: LimitBounds) {
    this.limit = bounds.initial;
  }

  update(sample: LimitSample): number {
    const { bounds } = this;
    if (!sample.ok) {
      this.limit = backOff(this.limit, bounds);
      return this.limit;
    }
    const latency = Math.max(sample.latencyMs, 1e-3);
    this.recentMs =
      this.recentMs === undefined ? latency : this.recentMs + (latency - this.recentMs) * RECENT_WEIGHT;
    this.floorMs = this.floorMs === undefined ? latency : Math.min(this.floorMs, latency);
    const gradient = clamp((this.floorMs * bounds.latencyTolerance) / this.recentMs, 0.5, 1);
    const inUse = sample.inflight * 2 >= this.limit;
    const estimate = gradient >= 1 && inUse ? this.limit + Math.sqrt(this.limit) : this.limit * gradient;
    this.limit = clamp(this.limit * (1 - SMOOTHING) + estimate * SMOOTHING, bounds.min, bounds.max);
    this.#pinned = this.limit <= bounds.min && gradient < 1 ? this.#pinned + 1 : 0;
    if (this.#pinned >= REBASE_AFTER) {
      this.floorMs = this.recentMs;
      this.#pinned = 0;
    }
    return this.limit;
  }
}
