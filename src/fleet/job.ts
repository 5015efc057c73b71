import type { Readable } from 'node:stream';
import type { Target } from '../targets/target.js';
import type { FleetTarget } from './members.js';

/** One job as callers give it: a command line, or a command with the arguments it was built from. */
export type FleetJobInput =
  | string
  | {
      /** The command line, run by `sh -c` on the target. */
      readonly command: string;
      /** The arguments the command was built from, for reports and joblogs. Default: none. */
      readonly args?: readonly string[];
      /** Its sequence number (1-based), kept across `--resume`. Default: its position in the input. */
      readonly seq?: number;
      /** Bytes written to the command's stdin (then closed). Default: no stdin. */
      readonly stdin?: Buffer;
      /** Why the job cannot run (a bad input line, say): it is reported as failed with this message and nothing starts. Default: none. */
      readonly error?: string;
      /** The target each attempt runs on, made from the member's (files that travel with the job wrap it). Default: the member's. */
      readonly around?: (target: Target) => Target;
    };

/** A job once read from the input: numbered, and pinned to a target when it must run there. */
export interface FleetJob {
  readonly seq: number;
  readonly command: string;
  readonly args: readonly string[];
  /** Runs only on this member (as `runOn` does): never moved to another target. */
  readonly pin?: FleetTarget | undefined;
  /** Bytes written to the command's stdin on every attempt, or a function opening a fresh stream of them. */
  readonly stdin?: Buffer | (() => Readable) | undefined;
  /** Why it cannot run: it fails at once with this message. */
  readonly error?: string | undefined;
  /** The target an attempt runs on, made from the member's. */
  readonly around?: ((target: Target) => Target) | undefined;
}

/**
 * Turns a job as given into a numbered job, or throws a TypeError naming what is wrong.
 *
 * @example
 * normalizeJob('uptime', 1) // { seq: 1, command: 'uptime', args: [] }
 */
export function normalizeJob(input: FleetJobInput, position: number): FleetJob {
  if (typeof input === 'string') return { seq: position, command: input, args: [] };
  if (typeof input !== 'object' || input === null || typeof input.command !== 'string') {
    throw new TypeError(
      `Expected job #${position} to be a command string or { command, args?, seq? }, got \`${String(input)}\` (${typeof input})`,
    );
  }
  const seq = input.seq ?? position;
  if (!Number.isInteger(seq) || seq < 1) {
    throw new TypeError(
      `Expected \`seq\` of job #${position} to be an integer from 1 and up, got \`${seq}\``,
    );
  }
  if (input.error !== undefined && typeof input.error !== 'string') {
    throw new TypeError(`Expected \`error\` of job #${position} to be a string`);
  }
  if (input.around !== undefined && typeof input.around !== 'function') {
    throw new TypeError(`Expected \`around\` of job #${position} to be a function`);
  }
  const { command, stdin, error, around } = input;
  return { seq, command, args: input.args ?? [], stdin, error, around };
}

/** Reads jobs lazily, one at a time, from an array, an iterable or an async iterable. */
export async function* readJobs(
  jobs: Iterable<FleetJobInput> | AsyncIterable<FleetJobInput>,
): AsyncGenerator<FleetJob, void, undefined> {
  let position = 0;
  for await (const input of jobs) {
    position += 1;
    yield normalizeJob(input, position);
  }
}
