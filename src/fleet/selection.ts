import { FanoutError } from '../errors.js';
import { kindOf, unknownMessage, type Inventory, type TargetSpec } from './inventory.js';

/**
 * Expands `web[01-03,7]` into `web01 web02 web03 web07` (zero padding kept); other text comes back as it is.
 *
 * @example
 * expandRange('web[1-3]') // ['web1', 'web2', 'web3']
 */
export function expandRange(selector: string): string[] {
  const match = /^(.*?)\[([^\]]*)\](.*)$/.exec(selector);
  if (!match) return [selector];
  const [, head = '', body = '', tail = ''] = match;
  const names: string[] = [];
  for (const part of body.split(',')) {
    const bounds = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!bounds)
      throw usage(`bad range \`[${body}]\` in \`${selector}\` (expected e.g. [01-10] or [1,3,5-7])`);
    const from = bounds[1]!;
    const to = bounds[2] ?? from;
    if (Number(to) < Number(from)) throw usage(`range \`${part}\` in \`${selector}\` runs backwards`);
    if (Number(to) - Number(from) > 100_000) throw usage(`range \`${part}\` in \`${selector}\` is too large`);
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
    for (let n = Number(from); n <= Number(to); n++) {
      for (const rest of expandRange(tail)) names.push(`${head}${String(n).padStart(width, '0')}${rest}`);
    }
  }
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
  const kind = kindOf(uri)!;
  return { name: uri, uri, kind, weight: 1, options: {}, defaults: {}, source: 'command line' };
}

/**
 * Resolves command-line selectors against an inventory, in order and without duplicates: names, globs
 * (`web*`), groups (`@web`, `@all`), ranges (`web[01-10]`) and direct URIs (`ssh://host`, `local`). An
 * unknown name is a USAGE error listing close matches.
 *
 * @example
 * selectTargets(inventory, ['@web', 'db[1-2]', 'docker://cache']).map((spec) => spec.name);
 */
export function selectTargets(inventory: Inventory | undefined, selectors: readonly string[]): TargetSpec[] {
  if (selectors.length === 0) throw usage('no targets selected (name targets, @groups, globs or URIs)');
  const chosen = new Map<string, TargetSpec>();
  const where = inventory ? ` in ${inventory.file}` : ' (no inventory: use URIs, or -i FILE)';
  const lookup = (name: string): TargetSpec => {
    const spec = inventory?.targets.get(name);
    if (!spec) throw usage(`${unknownMessage('target', name, inventory?.targets.keys() ?? [])}${where}`);
    return spec;
  };
  for (const selector of selectors) {
    if (kindOf(selector)) {
      chosen.set(selector, inventory?.targets.get(selector) ?? direct(selector));
    } else if (selector.startsWith('@')) {
      const members = inventory?.groups.get(selector.slice(1));
      if (!members) {
        const groups = [...(inventory?.groups.keys() ?? [])].map((name) => `@${name}`);
        throw usage(`${unknownMessage('group', selector, groups)}${where}`);
      }
      for (const name of members) chosen.set(name, lookup(name));
    } else if (/[*?]/.test(selector)) {
      const pattern = globToRegExp(selector);
      const matched = [...(inventory?.targets.keys() ?? [])].filter((name) => pattern.test(name));
      if (matched.length === 0) throw usage(`no target matches \`${selector}\`${where}`);
      for (const name of matched) chosen.set(name, lookup(name));
    } else {
      for (const name of expandRange(selector)) chosen.set(name, lookup(name));
    }
  }
  return [...chosen.values()];
}
