import type { FleetEvent } from '../../index.js';
import type { ProgressMode } from '../options.js';
import { describeProgress, formatProgressFrame, type FrameContext } from './progress-frame.js';
import { ProgressTracker } from './progress-tracker.js';
import type { Palette, Screen } from './screen.js';
import type { TransferTally } from './transfer-tally.js';

/** Least time between two redraws of the bar: at most 10 a second. */
const BAR_INTERVAL_MS = 100;
/** Time between two plain progress lines. */
const PLAIN_INTERVAL_MS = 1000;

/** What progress knows of a run besides its events. */
export interface ProgressContext {
  /** The number of jobs, when known before the run. */
  readonly total: number | undefined;
  /** The group a target is counted under (see docs/cli.md, --progress). */
  readonly groupOf: (target: string) => string;
  /** The groups of the run's targets, in order, each with the jobs it will run when known. */
  readonly groups?: ReadonlyMap<string, number | undefined>;
  /** How a job is named (a stalled one, say). */
  readonly label: (target: string, seq: number) => string;
  /** Bytes and files moved so far, for runs whose jobs are transfers. */
  readonly transfers?: TransferTally;
}

/**
 * Draws progress: status lines redrawn in place on a terminal (`bar`), a plain line every second
 * (`plain`), or nothing.
 */
export interface ProgressRenderer {
  onEvent(event: FleetEvent): void;
  stop(): void;
}

function frameOf(context: ProgressContext): Pick<FrameContext, 'label' | 'transfers'> {
  return { label: context.label, ...(context.transfers ? { transfers: context.transfers } : {}) };
}

/**
 * The renderer for a `--progress` mode (`auto` already resolved).
 *
 * @example
 * const progress = createProgressRenderer('plain', screen, colors, { total: 40, groupOf, label });
 */
export function createProgressRenderer(
  mode: ProgressMode,
  screen: Screen,
  colors: Palette,
  context: ProgressContext,
): ProgressRenderer {
  const tracker = new ProgressTracker(context.total, context.groupOf, context.groups);
  if (mode === 'none') return { onEvent: () => {}, stop: () => {} };
  const note = (text: string): void => screen.err(`fanout: ${text}\n`);
  const frame = (final: boolean, lead?: string): string[] =>
    formatProgressFrame(tracker, {
      ...frameOf(context),
      now: performance.now(),
      final,
      ...(lead ? { lead } : {}),
    });
  let timer: NodeJS.Timeout | undefined;
  if (mode === 'bar') {
    const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    let turn = 0;
    timer = setInterval(() => {
      turn = (turn + 1) % spinner.length;
      screen.setStatus(frame(false, `${spinner[turn]} `));
      screen.draw();
    }, BAR_INTERVAL_MS);
  } else {
    const line = (): string =>
      describeProgress(tracker, colors, { ...frameOf(context), now: performance.now(), final: false });
    timer = setInterval(() => note(line()), PLAIN_INTERVAL_MS);
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
      if (mode === 'bar') {
        // The last frame stays: the final tallies, overall and per group.
        screen.setStatus(frame(true, '  '));
        screen.draw();
        screen.close(true);
      } else {
        note(describeProgress(tracker, colors, { ...frameOf(context), now: performance.now(), final: true }));
      }
    },
  };
}
