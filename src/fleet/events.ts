import type { JobReport } from './report.js';
import type { FailureKind, HaltMode } from './policy.js';

/** The job an event is about: its number, command and arguments. */
export interface JobRef {
  readonly seq: number;
  readonly command: string;
  readonly args: readonly string[];
}

/** A job attempt started on a target. */
export interface JobStartEvent {
  readonly type: 'start';
  readonly job: JobRef;
  readonly target: string;
  readonly attempt: number;
}

/** One whole line of a job's output (without its newline). */
export interface JobOutputEvent {
  readonly type: 'output';
  readonly job: JobRef;
  readonly target: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
  /**
   * Set on a piece of a line longer than the line cap (1 MiB): the line was cut there, and goes on in the
   * next output event of this stream.
   */
  readonly cut?: true;
}

/** A job is finished for good: its report. */
export interface JobEndEvent {
  readonly type: 'end';
  readonly report: JobReport;
}

/** An attempt failed and the job will run again, on another target when one is available. */
export interface JobRetryEvent {
  readonly type: 'retry';
  readonly job: JobRef;
  /** The target the failed attempt ran on. */
  readonly target: string;
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly reason: FailureKind;
  readonly delayMs: number;
}

/** A job never started (the run halted or was canceled first). */
export interface JobSkipEvent {
  readonly type: 'skip';
  readonly job: JobRef;
}

/** A target could not be reached: it gets no more jobs, and its jobs go elsewhere. */
export interface TargetDownEvent {
  readonly type: 'target-down';
  readonly target: string;
  readonly error: Error;
}

/** The failure threshold was reached (or the caller's signal aborted): the run stops. */
export interface HaltEvent {
  readonly type: 'halt';
  readonly mode: Exclude<HaltMode, 'never'>;
  readonly reason: 'threshold' | 'aborted';
}

/** A rolling batch finished. */
export interface BatchEndEvent {
  readonly type: 'batch-end';
  readonly batch: number;
  readonly size: number;
}

/** With `adaptive`: a member's limit moved (its jobs failed or slowed down, or went well while it was in use). */
export interface TargetLimitEvent {
  readonly type: 'limit';
  readonly target: string;
  /** Jobs the member may now run at once. */
  readonly limit: number;
  readonly previous: number;
}

/**
 * What `onEvent` receives, discriminated by `type`.
 *
 * @example
 * distribute(jobs, targets, { onEvent(event) { if (event.type === 'output') console.log(event.target, event.line) } });
 */
export type FleetEvent =
  | JobStartEvent
  | JobOutputEvent
  | JobEndEvent
  | JobRetryEvent
  | JobSkipEvent
  | TargetDownEvent
  | HaltEvent
  | BatchEndEvent
  | TargetLimitEvent;
