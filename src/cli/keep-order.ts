import type { FleetEvent, JobOutputEvent, JobRef } from '../index.js';
import type { OutputRenderer } from './render/output.js';
import { SPILL_CHUNK, SpillFile } from './render/spill.js';

/** Characters of held output kept in memory over all jobs together; more goes to a temporary file. */
export const KEEP_ORDER_MEMORY = 8 * 1024 * 1024;
/** Spilled lines are written in pieces of about this size, not one by one. */
const WRITE_BATCH = 64 * 1024;

/** Output lines of one job that went to the spill file, one JSON record a line: where they lie. */
interface SpilledRun {
  readonly offset: number;
  length: number;
}

/** A job's output line in the spill file: its target (a retry may run elsewhere), stream, text and cut flag. */
type SpilledLine = [target: string, stream: 'stdout' | 'stderr', line: string, cut: 0 | 1];

interface Entry {
  readonly job: JobRef;
  /** What waits, in order: events in memory, and runs of output lines in the spill file. */
  readonly held: (FleetEvent | SpilledRun)[];
  ended: boolean;
}

/**
 * `-k/--keep-order`: hands a renderer the output of jobs in the order they started (input order, as jobs
 * start in input order): the oldest unfinished job's output passes through live, later jobs' output waits
 * until every job before them ended. Other events pass at once. Waiting output is kept in memory up to
 * `memory` characters over all jobs; beyond that it goes to a temporary file (unlinked as soon as it is
 * made, so nothing is left behind however fanout ends) and is read back in order.
 *
 * @example
 * const output = keepOrder(createOutputRenderer('tag', context));
 */
export function keepOrder(renderer: OutputRenderer, memory = KEEP_ORDER_MEMORY): OutputRenderer {
  /** Started jobs not yet passed on, oldest first, with their held events. */
  const queue: Entry[] = [];
  const bySeq = new Map<number, Entry>();
  let inMemory = 0;
  let file: SpillFile | undefined;
  /** Records on their way to the file, written together once they make WRITE_BATCH bytes (or before a read). */
  let pending: string[] = [];
  let pendingBytes = 0;
  /** Bytes of the spill file not read back yet: at 0 the file is emptied. */
  let unread = 0;
  const flush = (): void => {
    if (pendingBytes === 0) return;
    file!.append(Buffer.from(pending.join('')));
    pending = [];
    pendingBytes = 0;
  };

  const hold = (entry: Entry, event: FleetEvent): void => {
    if (event.type !== 'output') {
      entry.held.push(event);
      return;
    }
    if (inMemory + event.line.length <= memory) {
      inMemory += event.line.length;
      entry.held.push(event);
      return;
    }
    file ??= SpillFile.open();
    const record: SpilledLine = [event.target, event.stream, event.line, event.cut ? 1 : 0];
    const json = `${JSON.stringify(record)}\n`;
    const length = Buffer.byteLength(json);
    const offset = file.size + pendingBytes;
    pending.push(json);
    pendingBytes += length;
    unread += length;
    const last = entry.held.at(-1);
    if (last && !('type' in last) && last.offset + last.length === offset) last.length += length;
    else entry.held.push({ offset, length });
    if (pendingBytes >= WRITE_BATCH) flush();
  };

  const pass = (entry: Entry, item: FleetEvent | SpilledRun): void => {
    if ('type' in item) {
      if (item.type === 'output') inMemory -= item.line.length;
      renderer.onEvent(item);
      return;
    }
    flush();
    replay(file!, item, entry.job, (event) => renderer.onEvent(event));
    unread -= item.length;
    if (unread === 0) file!.clear();
  };

  const release = (): void => {
    // The head streams live; once it ended, the next job's held events go out, and so on.
    while (queue.length > 0) {
      const head = queue[0]!;
      for (const item of head.held.splice(0)) pass(head, item);
      if (!head.ended) return;
      queue.shift();
      bySeq.delete(head.job.seq);
    }
  };

  return {
    onEvent(event) {
      const seq =
        event.type === 'output' ? event.job.seq : event.type === 'end' ? event.report.seq : undefined;
      if (event.type === 'start' && !bySeq.has(event.job.seq)) {
        const entry: Entry = { job: event.job, held: [], ended: false };
        queue.push(entry);
        bySeq.set(event.job.seq, entry);
      }
      const entry = seq === undefined ? undefined : bySeq.get(seq);
      if (!entry) {
        renderer.onEvent(event);
        return;
      }
      if (entry === queue[0]) renderer.onEvent(event);
      else hold(entry, event);
      if (event.type === 'end') entry.ended = true;
      if (entry === queue[0] && entry.ended) release();
    },
    finish() {
      for (const entry of queue) entry.ended = true;
      release();
      renderer.finish();
    },
    dispose() {
      queue.length = 0;
      bySeq.clear();
      file?.close();
      file = undefined;
      pending = [];
      pendingBytes = 0;
      renderer.dispose();
    },
  };
}

/** Reads a run of spilled lines back, SPILL_CHUNK bytes at a time, and hands each on as its output event. */
function replay(file: SpillFile, run: SpilledRun, job: JobRef, emit: (event: JobOutputEvent) => void): void {
  // Split on newline bytes, never inside a character: a piece may end mid-way through one.
  let rest = Buffer.alloc(0);
  for (let at = 0; at < run.length; at += SPILL_CHUNK) {
    const bytes = Buffer.concat([rest, file.read(run.offset + at, Math.min(SPILL_CHUNK, run.length - at))]);
    const end = bytes.lastIndexOf(0x0a) + 1;
    rest = bytes.subarray(end);
    for (const json of bytes.subarray(0, end).toString().split('\n')) {
      if (json === '') continue;
      const [target, stream, line, cut] = JSON.parse(json) as SpilledLine;
      emit({ type: 'output', job, target, stream, line, ...(cut ? { cut: true as const } : {}) });
    }
  }
}
