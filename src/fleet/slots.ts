import type { FleetEvent } from './events.js';

/** Job slots: `take` when a job is built, freed by the job's `end` event. */
export interface JobSlots {
  /** The lowest slot no running job holds, now held by job `seq`. */
  take(seq: number): number;
  /** Frees the slot of a job that ended for good. */
  onEvent(event: FleetEvent): void;
}

/**
 * GNU parallel's `{%}`: the lowest slot number no running job holds, taken when a job is built (the
 * scheduler builds a job only when it can start it) and freed when the job ends for good.
 *
 * @example
 * const slots = createSlots();
 * slots.take(1); // 1
 * slots.take(2); // 2
 */
export function createSlots(): JobSlots {
  const held = new Map<number, number>();
  const used = new Set<number>();
  return {
    take(seq) {
      let slot = 1;
      while (used.has(slot)) slot += 1;
      used.add(slot);
      held.set(seq, slot);
      return slot;
    },
    onEvent(event) {
      if (event.type !== 'end') return;
      const slot = held.get(event.report.seq);
      if (slot === undefined) return;
      used.delete(slot);
      held.delete(event.report.seq);
    },
  };
}
