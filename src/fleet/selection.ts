import { FanoutError } from '../errors.js';
import { maskUriPassword, URI_PASSWORD_REFUSED } from '../internal/secrets.js';
import { kindOf, unknownMessage, type Inventory, type TargetSpec } from './inventory.js';

/** Most names one range selection may stand for (`a[1-1000][1-1000]` is 1,000,000). */
export const MAX_RANGE_NAMES = 1_000_000;

/** The text before the first `[…]`, what it holds, and the rest. */
const BRACKET = /^(.*?)\[([^\]]*)\](.*)$/;

/** One `[…]` of a range selector: its parts (`1-3`, `7`), each with its zero-padded width. */
type RangeValues = { readonly from: number; readonly to: number; readonly width: number }[];

function parseBrackets(selector: string, body: string): RangeValues {
  return body.split(',').map((part) => {
    const bounds = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!bounds)
      throw usage(`bad range \`[${body}]\` in \`${selector}\` (expected e.g. [01-10] or [1,3,5-7])`);
    const from = bounds[1]!;
    const to = bounds[2] ?? from;
    if (Number(to) < Number(from)) throw usage(`range \`${part}\` in \`${selector}\` runs backwards`);
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
    return { from: Number(from), to: Number(to), width };
  });
}

/**
 * Expands `web[01-03,7]` into `web01 web02 web03 web07` (zero padding kept); other text comes back as it is.
 * A selector standing for more than MAX_RANGE_NAMES names is a USAGE error, told before anything is expanded.
 *
 * @example
 * expandRange('web[1-3]') // ['web1', 'web2', 'web3']
 */
export function expandRange(selector: string): string[] {
  // The text between brackets, and each bracket's values: ['r', [1-2], 'c', [1-2], ''].
  const texts: string[] = [];
  const brackets: RangeValues[] = [];
  let rest = selector;
  for (let match = BRACKET.exec(rest); match; match = BRACKET.exec(rest)) {
    texts.push(match[1]!);
    brackets.push(parseBrackets(selector, match[2]!));
    rest = match[3]!;
  }
  if (brackets.length === 0) return [selector];
  texts.push(rest);
  let size = 1;
  for (const values of brackets) size *= values.reduce((sum, { from, to }) => sum + to - from + 1, 0);
  if (size > MAX_RANGE_NAMES) {
    throw usage(
      `\`${selector}\` stands for ${size.toLocaleString('en')} names; a selection may name at most ${MAX_RANGE_NAMES.toLocaleString('en')}`,
    );
  }
  let names = [texts[0]!];
  brackets.forEach((values, index) => {
    const next: string[] = [];
    for (const name of names) {
      for (const { from, to, width } of values) {
        for (let n = from; n <= to; n++)
          next.push(`${name}${String(n).padStart(width, '0')}${texts[index + 1]}`);
      }
    }
    names = next;
  });
  return names;
}

function usage(message: string): FanoutError {
  return new FanoutError(message, { code: 'USAGE' });
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

/** A target named directly by its URI on the command line. */
function direct(uri: string): TargetSpec {
  const masked = maskUriPassword(uri);
  if (masked !== undefined) throw usage(`target \`${masked}\`: ${URI_PASSWORD_REFUSED}`);
  const kind = kindOf(uri)!;
  return { name: uri, uri, kind, weight: 1, options: {}, defaults: {}, source: 'command line' };
}

/** One term of a selection: targets to add, to keep only (`&`), or to leave out (`!`). */
interface SelectionTerm {
  readonly op: 'add' | 'keep' | 'drop';
  readonly selector: string;
}

/**
 * Splits selectors into terms: `!x` leaves x out, `&x` keeps only what x also selects, and one argument may
 * chain them as Ansible does (`@web:&@prod:!web3`). URIs are never split.
 */
function parseTerms(selectors: readonly string[]): SelectionTerm[] {
  const terms: SelectionTerm[] = [];
  for (const selector of selectors) {
    const pieces = kindOf(selector) ? [selector] : selector.split(/:(?=[&!])/);
    for (const piece of pieces) {
      const op = piece.startsWith('!') ? 'drop' : piece.startsWith('&') ? 'keep' : 'add';
      const rest = op === 'add' ? piece : piece.slice(1);
      if (rest === '' || (op !== 'add' && /^[&!]/.test(rest))) {
        throw usage(`bad selector \`${selector}\` (expected e.g. @web, '!web3', '@web:&@prod')`);
      }
      terms.push({ op, selector: rest });
    }
  }
  return terms;
}

/**
 * Resolves command-line selectors against an inventory: names, globs (`web*`), groups (`@web`, `@all`),
 * ranges (`web[01-10]`) and direct URIs (`ssh://host`, `local`), in order and without duplicates. `!x`
 * leaves out what x selects and `&x` keeps only what x also selects, whatever their place (`@web '!web3'`
 * is `'!web3' @web`; `@web:&@prod` is the intersection); with only `!` and `&` terms the start is `@all`.
 * An unknown name is a USAGE error listing close matches, as is a selection that leaves no target.
 *
 * @example
 * selectTargets(inventory, ['@web', '!web3', 'db[1-2]', 'docker://cache']).map((spec) => spec.name);
 */
export function selectTargets(inventory: Inventory | undefined, selectors: readonly string[]): TargetSpec[] {
  if (selectors.length === 0) throw usage('no targets selected (name targets, @groups, globs or URIs)');
  const terms = parseTerms(selectors);
  const resolve = createResolver(inventory);
  const chosen = new Map<string, TargetSpec>();
  const adds = terms.filter((term) => term.op === 'add');
  const start = adds.length > 0 || !inventory ? adds : [{ op: 'add', selector: '@all' }];
  for (const term of start) for (const spec of resolve(term.selector)) chosen.set(spec.name, spec);
  for (const term of terms.filter((each) => each.op !== 'add')) {
    const named = new Set(resolve(term.selector).map((spec) => spec.name));
    for (const name of chosen.keys()) if (named.has(name) === (term.op === 'drop')) chosen.delete(name);
  }
  if (chosen.size === 0) throw usage(`the selection \`${selectors.join(' ')}\` leaves no target`);
  return [...chosen.values()];
}

/** Resolves one selector (without `!` or `&`) to its targets, in order. */
function createResolver(inventory: Inventory | undefined): (selector: string) => TargetSpec[] {
  const where = inventory ? ` in ${inventory.file}` : ' (no inventory: use URIs, or -i FILE)';
  const lookup = (name: string): TargetSpec => {
    const spec = inventory?.targets.get(name);
    if (!spec) throw usage(`${unknownMessage('target', name, inventory?.targets.keys() ?? [])}${where}`);
    return spec;
  };
  return (selector) => {
    if (kindOf(selector)) return [inventory?.targets.get(selector) ?? direct(selector)];
    if (selector.startsWith('@')) {
      const members = inventory?.groups.get(selector.slice(1));
      if (!members) {
        const groups = [...(inventory?.groups.keys() ?? [])].map((name) => `@${name}`);
        throw usage(`${unknownMessage('group', selector, groups)}${where}`);
      }
      return members.map(lookup);
    }
    if (/[*?]/.test(selector)) {
      const pattern = globToRegExp(selector);
      const matched = [...(inventory?.targets.keys() ?? [])].filter((name) => pattern.test(name));
      if (matched.length === 0) throw usage(`no target matches \`${selector}\`${where}`);
      return matched.map(lookup);
    }
    return expandRange(selector).map(lookup);
  };
}
