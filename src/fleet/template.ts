import { quote } from '../internal/quote.js';

/**
 * Builds a job's command from a template, as GNU parallel does: `{}` becomes the job's arguments, each quoted
 * for the shell, and `{#}` its sequence number; with no `{}` the arguments are appended.
 *
 * @example
 * expandTemplate('gzip -k {}', ['my file.txt'], 3) // "gzip -k 'my file.txt'"
 */
export function expandTemplate(template: string, args: readonly string[], seq: number): string {
  const quoted = args.map(quote).join(' ');
  const withSeq = template.replaceAll('{#}', String(seq));
  if (withSeq.includes('{}')) return withSeq.replaceAll('{}', quoted);
  return quoted === '' ? withSeq : `${withSeq} ${quoted}`;
}
