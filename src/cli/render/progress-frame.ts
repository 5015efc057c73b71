import type { Palette } from './screen.js';
import type { GroupTally, ProgressTracker } from './progress-tracker.js';
import type { TransferTally } from './transfer-tally.js';

/** Group lines shown below the overall one; more groups are summed up in one line. */
const SHOWN_GROUPS = 6;
/** Stalled jobs named; more are counted. */
const SHOWN_STALLED = 3;

/** What a frame needs besides the tallies. */
export interface FrameContext {
  /** How a job is named: the target for `run`, the target and job number for `jobs`. */
  readonly label: (target: string, seq: number) => string;
  readonly now: number;
  /** The final frame: elapsed time instead of an ETA, and no stalled jobs. */
  readonly final: boolean;
  /** Drawn before the overall line (a spinner on a terminal); default none. */
  readonly lead?: string;
  /** Bytes and files moved so far, shown after the job counts when the jobs are transfers. */
  readonly transfers?: TransferTally;
}

/**
 * The lines of a progress frame: the overall bar and tallies, a line per target group (when there are
 * several), and the stalled jobs. No escape codes: a terminal line is cut to its width and must not be cut
 * mid-escape.
 *
 * @example
 * formatProgressFrame(tracker, { label: (target) => target, now, final: false });
 * // ['[██████░░░░░░░░░░░░░░] 12/40 done, 1 failed, 4 running, 3.2/s, ETA 9s',
 * //  '  @web   [████░░░░░░] 8/20 done, 1 failed, 2 running', '  local  4 done, 0 failed, 2 running',
 * //  '  stalled: web3 (12s)']
 */
export function formatProgressFrame(tracker: ProgressTracker, context: FrameContext): string[] {
  const { now, final } = context;
  const lines = [`${context.lead ?? ''}${describeOverall(tracker, now, final, context.transfers)}`];
  const groups = tracker.groups;
  if (groups.length > 1) {
    const width = Math.max(...groups.map((group) => group.name.length));
    for (const group of groups.slice(0, SHOWN_GROUPS)) lines.push(`  ${describeGroup(group, width)}`);
    if (groups.length > SHOWN_GROUPS) lines.push(`  … ${groups.length - SHOWN_GROUPS} more groups`);
  }
  const stalled = describeStalled(tracker, context);
  if (stalled !== undefined) lines.push(`  ${stalled}`);
  return lines;
}

/**
 * One line of tallies, for the plain lines off a terminal.
 *
 * @example
 * describeProgress(tracker, colors, { label: (target) => target, now, final: false });
 * // '12/40 done, 1 failed, 4 running, 3.2/s, ETA 9s, stalled: web3 (12s)'
 */
export function describeProgress(tracker: ProgressTracker, colors: Palette, context: FrameContext): string {
  const parts = [describeCounts(tracker.done, tracker.total, tracker.failed, tracker.running, colors)];
  parts.push(`${tracker.rate(context.now).toFixed(1)}/s`);
  if (context.transfers) parts.push(context.transfers.describe(context.now));
  const eta = tracker.etaMs(context.now);
  if (eta !== undefined && !context.final) parts.push(`ETA ${formatSeconds(eta)}`);
  if (tracker.limits.size > 0) parts.push(`limits: ${describeLimits(tracker.limits)}`);
  const stalled = describeStalled(tracker, context);
  if (stalled !== undefined) parts.push(colors.yellow(stalled));
  return parts.join(', ');
}

/** `stalled: web3 (12s), web1 (9s) and 2 more`, or undefined when no job is stalled (or the run ended). */
function describeStalled(tracker: ProgressTracker, context: FrameContext): string | undefined {
  const stalled = context.final ? [] : tracker.stalled(context.now);
  if (stalled.length === 0) return undefined;
  const named = stalled
    .slice(0, SHOWN_STALLED)
    .map((job) => `${context.label(job.target, job.seq)} (${formatSeconds(job.elapsedMs)})`);
  const more = stalled.length > SHOWN_STALLED ? ` and ${stalled.length - SHOWN_STALLED} more` : '';
  return `stalled: ${named.join(', ')}${more}`;
}

function describeOverall(
  tracker: ProgressTracker,
  now: number,
  final: boolean,
  transfers: TransferTally | undefined,
): string {
  const plain = (text: string): string => text;
  const parts = [
    describeCounts(tracker.done, tracker.total, tracker.failed, tracker.running, { red: plain }),
  ];
  parts.push(`${tracker.rate(now).toFixed(1)}/s`);
  if (transfers) parts.push(transfers.describe(now));
  const eta = tracker.etaMs(now);
  if (!final && eta !== undefined) parts.push(`ETA ${formatSeconds(eta)}`);
  if (tracker.limits.size > 0) parts.push(`limits: ${describeLimits(tracker.limits)}`);
  const bar = tracker.total === undefined ? '' : `${drawBar(tracker.done, tracker.total, 20)} `;
  return `${bar}${parts.join(', ')}`;
}

function describeGroup(group: GroupTally, nameWidth: number): string {
  const plain = (text: string): string => text;
  const bar = group.total === undefined ? '' : `${drawBar(group.done, group.total, 10)} `;
  const counts = describeCounts(group.done, group.total, group.failed, group.running, { red: plain });
  return `${group.name.padEnd(nameWidth)} ${bar}${counts}`;
}

function describeCounts(
  done: number,
  total: number | undefined,
  failed: number,
  running: number,
  colors: Pick<Palette, 'red'>,
): string {
  const failures = `${failed} failed`;
  return [
    `${done}${total === undefined ? '' : `/${total}`} done`,
    failed > 0 ? colors.red(failures) : failures,
    `${running} running`,
  ].join(', ');
}

/** `[████████░░░░░░░░░░░░]`: the share of `done` in `total`, `width` cells wide. */
function drawBar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** The lowest limits first (the targets held back), at most three: `web3 1, web1 6, web2 8 …` */
function describeLimits(limits: ReadonlyMap<string, number>): string {
  const sorted = [...limits.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, 3).map(([target, limit]) => `${target} ${limit}`);
  return `${shown.join(', ')}${sorted.length > 3 ? ' …' : ''}`;
}

/** `9s`, `3m05s`. */
export function formatSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
