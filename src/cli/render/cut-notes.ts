import type { FleetEvent } from '../../index.js';
import { MAX_LINE_LENGTH } from '../../internal/lines.js';
import type { RenderContext } from './output.js';

/**
 * Says once per job, on stderr, that a line of its output was longer than the line cap and was cut into
 * pieces (each shown as a line of its own; `--output json` marks them `"cut": true`).
 *
 * @example
 * const notes = createCutNotes(context);
 * notes.onEvent(event);
 */
export function createCutNotes(context: Pick<RenderContext, 'screen' | 'label'>): {
  onEvent(event: FleetEvent): void;
} {
  const told = new Set<number>();
  return {
    onEvent(event) {
      if (event.type === 'end') told.delete(event.report.seq);
      if (event.type !== 'output' || !event.cut || told.has(event.job.seq)) return;
      told.add(event.job.seq);
      const label = context.label(event.target, event.job.seq);
      context.screen.err(
        `fanout: ${label}: a ${event.stream} line longer than ${MAX_LINE_LENGTH} characters was cut into pieces of that length\n`,
      );
    },
  };
}
