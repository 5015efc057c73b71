import { createJobFilesTarget, type Target } from '../../index.js';
import { parseTemplate, type InputJob } from '../../fleet/input/index.js';
import type { CliFlags } from '../flags.js';
import { fillReplacements } from '../tagstring.js';
import { usageError } from '../usage.js';

/**
 * A `--return` path for one job: its replacement strings (`{}`, `{.}`, `{2/}`, `{#}` …) become their values
 * unquoted, since this is a path, not a command line.
 *
 * @example
 * expandPathTemplate('{.}.out', ['logs/a.gz'], 1); // 'logs/a.out'
 */
export function expandPathTemplate(template: string, args: readonly string[], seq: number): string {
  return fillReplacements(template, { args, seq });
}

/**
 * Checks `--transfer`, `--return` and `--cleanup` once and gives what each job's files make of the target
 * that runs it, or undefined when no file travels.
 *
 * @example
 * const around = jobFilesOf(flags, { queued: false, pipe: false }); // around?.(job) wraps the member's target
 */
export function jobFilesOf(
  flags: CliFlags,
  run: { readonly queued: boolean; readonly pipe: boolean },
): ((job: InputJob) => (target: Target) => Target) | undefined {
  const send = flags.transfer ?? false;
  const returns = flags.return ?? [];
  const cleanup = flags.cleanup ?? false;
  if (!send && returns.length === 0) {
    if (cleanup)
      throw usageError('--cleanup', 'removes what --transfer sent or --return fetched: give one of them');
    return undefined;
  }
  const flag = send ? '--transfer' : '--return';
  if (run.queued) throw usageError(flag, 'files cannot travel with a queued run');
  if (run.pipe && send) throw usageError('--transfer', 'with --pipe the jobs have no arguments to send');
  for (const template of returns) {
    if (template.trim() === '') throw usageError('--return', 'expected a path, got an empty one');
    if (template.includes('{%}')) throw usageError('--return', '{%} (the job slot) is not known in a path');
    try {
      parseTemplate(template);
    } catch (error) {
      throw usageError('--return', (error as Error).message);
    }
  }
  return (job) => {
    const files = {
      send: send ? job.args : [],
      fetch: returns.map((template) => expandPathTemplate(template, job.args, job.seq)),
      cleanup,
    };
    return (target) => createJobFilesTarget(target, files);
  };
}
