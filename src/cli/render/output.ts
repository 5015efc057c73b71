import type { FleetEvent } from '../../index.js';
import type { OutputMode } from '../options.js';
import { createCollapseOutput } from './collapse.js';
import { createGroupOutput } from './group.js';
import { createJsonOutput } from './json.js';
import type { Palette, Screen } from './screen.js';
import type { MemoryBudget } from './spill.js';
import { createTagOutput } from './tag.js';

/** Turns fleet events into what the user reads on stdout/stderr. */
export interface OutputRenderer {
  onEvent(event: FleetEvent): void;
  /** Called once after the run, before the summary. */
  finish(): void;
  /** Frees what is still held (memory, temporary files); called after `finish`, or instead of it on an error. */
  dispose(): void;
}

/** What every output renderer needs. */
export interface RenderContext {
  readonly screen: Screen;
  readonly colors: Palette;
  /** How a job is named in output: the target for `run`, the target and job number for `jobs`. */
  label(target: string, seq: number): string;
  /** How jobs are listed when collapsed: target names for `run`, job numbers for `jobs`. */
  collapseLabel(target: string, seq: number): string;
  /** A job's output line as it may be shown on that stream (control characters made visible on a terminal). */
  show(stream: 'stdout' | 'stderr', line: string): string;
  /** What output held until a job ends may keep in memory; the rest goes to temporary files. */
  readonly budget: MemoryBudget;
}

/**
 * The renderer for an `--output` mode.
 *
 * @example
 * const output = createOutputRenderer('tag', context);
 */
export function createOutputRenderer(mode: OutputMode, context: RenderContext): OutputRenderer {
  switch (mode) {
    case 'tag':
      return createTagOutput(context);
    case 'group':
      return createGroupOutput(context);
    case 'collapse':
      return createCollapseOutput(context);
    case 'json':
      return createJsonOutput(context);
  }
}
