import type { FleetEvent } from '../index.js';
import type { OutputRenderer } from './render/output.js';

/**
 * `-k/--keep-order`: hands a renderer the output of jobs in the order they started (input order, as jobs
 * start in input order): the oldest unfinished job's output passes through live, later jobs' output waits
 * until every job before them ended. Other events pass at once.
 *
 * @example
 * const output = keepOrder(createOutputRenderer('tag', context));
 */
export function keepOrder(renderer: OutputRenderer): OutputRenderer {
  /** Started jobs not yet passed on, oldest first, with their held events. */
  const queue: { seq: number; held: FleetEvent[]; ended: boolean }[] = [];
  const bySeq = new Map<number, (typeof queue)[number]>();
  const release = (): void => {
    // The head streams live; once it ended, the next job's held events go out, and so on.
    while (queue.length > 0) {
      const head = queue[0]!;
      for (const event of head.held.splice(0)) renderer.onEvent(event);
      if (!head.ended) return;
      queue.shift();
      bySeq.delete(head.seq);
    }
  };
  return {
    onEvent(event) {
      const seq =
        event.type === 'output' ? event.job.seq : event.type === 'end' ? event.report.seq : undefined;
      if (event.type === 'start' && !bySeq.has(event.job.seq)) {
        const entry = { seq: event.job.seq, held: [] as FleetEvent[], ended: false };
        queue.push(entry);
        bySeq.set(entry.seq, entry);
      }
      const entry = seq === undefined ? undefined : bySeq.get(seq);
      if (!entry) {
        renderer.onEvent(event);
        return;
      }
      entry.held.push(event);
      if (event.type === 'end') entry.ended = true;
      if (entry === queue[0]) release();
    },
    finish() {
      for (const entry of queue) entry.ended = true;
      release();
      renderer.finish();
    },
    dispose() {
      queue.length = 0;
      bySeq.clear();
      renderer.dispose();
    },
  };
}
