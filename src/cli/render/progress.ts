import type { FleetEvent } from '../../index.js';
import type { ProgressMode } from '../options.js';
import { palette, type Palette, type Screen } from './screen.js';

/** Live tallies of a run, fed by events: what a progress line shows. */
export class ProgressTracker {
  done = 0;
  failed = 0;
  readonly #running = new Map<number, { target: string; since: number }>();
  readonly #recent: number[] = [];
  readonly #startedAt = performance.now();
  /** `-j auto`: each target's current limit, once it moved from where it started. */
  readonly limits = new Map<string, number>();

  constructor(readonly total: number | undefined) {}

  onEvent(event: FleetEvent): void {
    if (event.type === 'start')
      this.#running.set(event.job.seq, { target: event.target, since: performance.now() });
    else if (event.type === 'end') {
      const job = event.report;
      this.#running.delete(job.seq);
      if (job.stage === 'skipped' || job.stage === 'canceled') return;
      this.done += 1;
      if (!job.ok) this.failed += 1;
      if (job.stage === 'run') {
        this.#recent.push(job.durationMs);
        if (this.#recent.length > 200) this.#recent.shift();
      }
    } else if (event.type === 'retry') this.#running.delete(event.job.seq);
    else if (event.type === 'limit') this.limits.set(event.target, event.limit);
  }

  get running(): number {
    return this.#running.size;
  }

  /** Jobs finished per second since the start. */
  rate(now = performance.now()): number {
    const seconds = (now - this.#startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  /** Remaining jobs over the observed rate; undefined until it can be told. */
  etaMs(now = performance.now()): number | undefined {
    if (this.total === undefined || this.done === 0) return undefined;
    const rate = this.rate(now);
    return rate > 0 ? ((this.total - this.done) / rate) * 1000 : undefined;
  }

  /** Targets whose running job has taken more than 3× the median job (and over 2 s): who holds up the run. */
  slowTargets(now = performance.now()): string[] {
    const sorted = [...this.#recent].sort((a, b) => a - b);
    const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : 0;
    const limit = Math.max(2000, median * 3);
    const slow = new Map<string, number>();
    for (const { target, since } of this.#running.values()) {
      const elapsed = now - since;
      if (elapsed > limit) slow.set(target, Math.max(slow.get(target) ?? 0, elapsed));
    }
    return [...slow.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([target, ms]) => `${target} (${Math.round(ms / 1000)}s)`);
  }

  /** `12/40 done, 1 failed, 4 running, 3.2/s, ETA 9s, slow: web3 (12s)` */
  describe(colors: Palette, now = performance.now()): string {
    const parts = [
      `${this.done}${this.total === undefined ? '' : `/${this.total}`} done`,
      this.failed > 0 ? colors.red(`${this.failed} failed`) : '0 failed',
      `${this.running} running`,
      `${this.rate(now).toFixed(1)}/s`,
    ];
    const eta = this.etaMs(now);
    if (eta !== undefined && this.done < (this.total ?? 0)) parts.push(`ETA ${formatSeconds(eta)}`);
    if (this.limits.size > 0) parts.push(`limits: ${describeLimits(this.limits)}`);
    const slow = this.slowTargets(now);
    if (slow.length > 0)
      parts.push(colors.yellow(`slow: ${slow.slice(0, 3).join(', ')}${slow.length > 3 ? ' …' : ''}`));
    return parts.join(', ');
  }
}

/** The lowest limits first (the targets held back), at most three: `web3 1, web1 6, web2 8 …` */
function describeLimits(limits: ReadonlyMap<string, number>): string {
  const sorted = [...limits.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, 3).map(([target, limit]) => `${target} ${limit}`);
  return `${shown.join(', ')}${sorted.length > 3 ? ' …' : ''}`;
}

function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Draws progress: a live status line (`bar`), a plain line every second (`plain`), or nothing. */
export interface ProgressRenderer {
  onEvent(event: FleetEvent): void;
  stop(): void;
}

/**
 * The renderer for a `--progress` mode (`auto` already resolved).
 *
 * @example
 * const progress = createProgressRenderer('plain', screen, colors, 40);
 */
export function createProgressRenderer(
  mode: ProgressMode,
  screen: Screen,
  colors: Palette,
  total: number | undefined,
): ProgressRenderer {
  const tracker = new ProgressTracker(total);
  if (mode === 'none') return { onEvent: () => {}, stop: () => {} };
  const note = (text: string): void => screen.err(`fanout: ${text}\n`);
  let timer: NodeJS.Timeout | undefined;
  if (mode === 'bar') {
    const plain = palette(false);
    const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    let frame = 0;
    timer = setInterval(() => {
      frame = (frame + 1) % spinner.length;
      // No colours in the status line: it is cut to the terminal's width, and must not be cut mid-escape.
      screen.setStatus(`${spinner[frame]} ${tracker.describe(plain)}`);
      screen.draw();
    }, 100);
  } else {
    timer = setInterval(() => note(tracker.describe(colors)), 1000);
  }
  timer.unref();
  return {
    onEvent(event) {
      tracker.onEvent(event);
      if (event.type === 'target-down')
        note(colors.red(`target ${event.target} is down: ${event.error.message}`));
      else if (event.type === 'halt')
        note(
          colors.red(
            event.reason === 'aborted'
              ? 'interrupted: killing running jobs'
              : `failure threshold reached: halting ${event.mode}`,
          ),
        );
      else if (event.type === 'retry')
        note(
          colors.yellow(
            `job #${event.job.seq} (${event.reason} on ${event.target}) retries in ${event.delayMs} ms`,
          ),
        );
      else if (event.type === 'batch-end') note(`batch ${event.batch} (${event.size} jobs) done`);
    },
    stop() {
      clearInterval(timer);
      screen.close();
      if (mode === 'plain') note(tracker.describe(colors));
    },
  };
}
