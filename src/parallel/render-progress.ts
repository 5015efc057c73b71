import type { ProgressEvent } from './progress.js';

/**
 * Text for a ProgressEvent: a bar for terminals and a plain line for logs. Pure functions, so a renderer
 * is only the part that decides when to write.
 */

function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '?';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * The counts, rate and ETA of an event, with no escape codes.
 *
 * @example
 * formatProgressLine(event); // '42.0% 42/100 done, 1 failed, 4 running, 3.5/s, elapsed 12s, eta 17s'
 */
export function formatProgressLine(event: ProgressEvent): string {
  const finished = event.completed + event.failed;
  return (
    `${event.percent.toFixed(1)}% ${finished}/${event.total} done, ${event.failed} failed, ` +
    `${event.running} running, ${event.ratePerSec.toFixed(1)}/s, ` +
    `elapsed ${formatDuration(event.elapsedMs)}, eta ${formatDuration(event.etaMs)}`
  );
}

/**
 * A bar `width` cells wide followed by the line, for a terminal.
 *
 * @example
 * formatProgressBar(event, 20); // '|████████░░░░░░░░░░░░| 42.0% 42/100 …'
 */
export function formatProgressBar(event: ProgressEvent, width: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, event.percent)) / 100) * width);
  return `|${'\u2588'.repeat(filled)}${'\u2591'.repeat(width - filled)}| ${formatProgressLine(event)}`;
}
