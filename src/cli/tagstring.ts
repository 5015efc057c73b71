import { modify } from '../fleet/input/index.js';
import { usageError } from './usage.js';

const TOKEN = /\{(?:(\d*)(\.|\/|\/\/|\/\.)?|(#)|(target))\}/g;

/** What a `--tagstring` template is filled with for one job. */
export interface TagFill {
  readonly target: string;
  readonly seq: number;
  readonly args: readonly string[];
}

/**
 * Checks a `--tagstring` template once and returns its renderer: GNU parallel's replacement strings
 * `{} {.} {/} {//} {/.} {n} {n.} …` and `{#}` stand for the job's arguments and number, `{target}` for
 * where it runs; values are inserted as they are (a tag is never run). Any other `{…}` is a USAGE error.
 *
 * @example
 * parseTagstring('{target}/{1/.}')({ target: 'web1', seq: 3, args: ['a/b.txt'] }) // 'web1/b'
 */
export function parseTagstring(template: string): (fill: TagFill) => string {
  const unknown = template.replace(TOKEN, '').match(/\{[^{}]*\}/);
  if (unknown) {
    throw usageError(
      '--tagstring',
      `\`${unknown[0]}\` is not supported (supported: {} {.} {/} {//} {/.} {n} {n.} {n/} {n//} {n/.} {#} {target})`,
    );
  }
  return (fill) => fillReplacements(template, fill);
}

/**
 * `template` with GNU parallel's replacement strings (`{} {.} {/} {//} {/.} {n} {n.} … {#}`) filled in as
 * they are, never quoted: for tags and paths, which are not run. `{target}` is filled when `fill.target` is
 * given, and left as it is otherwise.
 *
 * @example
 * fillReplacements('{.}.out', { seq: 1, args: ['logs/a.gz'] }) // 'logs/a.out'
 */
export function fillReplacements(
  template: string,
  fill: Omit<TagFill, 'target'> & { target?: string },
): string {
  return template.replace(TOKEN, (token, digits: string | undefined, modifier = '', seq, target) => {
    if (target) return fill.target ?? token;
    if (seq) return String(fill.seq);
    const values = digits ? [fill.args[Number(digits) - 1] ?? ''] : fill.args;
    return values.map((value) => modify(value, modifier as Parameters<typeof modify>[1])).join(' ');
  });
}
