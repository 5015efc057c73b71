import type { Node, Pair } from 'yaml';
import { isMap, isScalar, newLineCounter, parseDocument } from '../internal/yaml.js';
import type { Inventory } from './inventory.js';
import { AnsibleModel, buildAnsibleInventory } from './inventory-ansible.js';

/**
 * Parses an Ansible YAML inventory: top-level groups (usually `all`), each a mapping of `hosts` (host
 * patterns such as `web[01:20]`, each with its variables or nothing), `children` (groups, declared inline)
 * and `vars`. The same connection variables as the INI form make the targets; others are ignored and
 * listed. Every error names the file and line.
 *
 * @example
 * const inventory = parseAnsibleYaml('all:\n  children:\n    web:\n      hosts:\n        web[1:2]:\n', 'hosts.yml');
 */
export function parseAnsibleYaml(text: string, file: string): Inventory {
  const lines = newLineCounter();
  const model: AnsibleModel = new AnsibleModel(file);
  const lineOf = (node: unknown, fallback = 1): number => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : fallback;
  };
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const first = document.errors[0];
  if (first) model.fail(lines.linePos(first.pos[0]).line, first.message.split('\n')[0]!);
  const root = document.contents;
  if (!isMap(root))
    model.fail(lineOf(root), 'an Ansible inventory must be a mapping of groups (e.g. `all:`)');

  const scalar = (node: unknown, what: string, at: number): string => {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object')
      model.fail(lineOf(node, at), `${what} must be a string, number or boolean`);
    return String(node.value);
  };
  /** The pairs of a mapping; nothing for an empty value (`web1:`); anything else fails naming `what`. */
  const pairsOf = (node: unknown, what: string, at: number): Pair<unknown, unknown>[] => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isMap(node)) model.fail(lineOf(node, at), `${what} must be a mapping`);
    return node.items;
  };
  const readVars = (node: unknown, line: number): [string, string, number][] =>
    pairsOf(node, 'variables', line).map((pair) => {
      const key = scalar(pair.key, 'a variable name', line);
      // Only connection variables need a scalar value; others (lists, maps) are ignored as they are.
      const value = isScalar(pair.value) && pair.value.value !== null ? String(pair.value.value) : '';
      return [key, value, lineOf(pair.key, line)];
    });
  const readGroup = (name: string, node: unknown, line: number): void => {
    const group = model.group(name, line);
    for (const pair of pairsOf(node, `group \`${name}\` (hosts, children, vars)`, line)) {
      const key = scalar(pair.key, 'a key', line);
      const at = lineOf(pair.key, line);
      if (key === 'vars') {
        for (const [variable, value, where] of readVars(pair.value, at))
          model.setVar(group.vars, variable, value, where);
      } else if (key === 'hosts') {
        for (const host of pairsOf(pair.value, `\`hosts\` of \`${name}\``, at)) {
          const where = lineOf(host.key, at);
          model.addHosts(name, scalar(host.key, 'a host name', at), readVars(host.value, where), where);
        }
      } else if (key === 'children') {
        for (const child of pairsOf(pair.value, `\`children\` of \`${name}\``, at)) {
          const where = lineOf(child.key, at);
          const childName = scalar(child.key, 'a group name', at);
          group.children.push({ name: childName, line: where });
          readGroup(childName, child.value, where);
        }
      } else {
        model.fail(at, `unknown key \`${key}\` in group \`${name}\` (expected hosts, children, vars)`);
      }
    }
  };
  for (const pair of root.items) {
    const name = scalar(pair.key, 'a group name', 1);
    readGroup(name, pair.value, lineOf(pair.key));
  }
  return buildAnsibleInventory(model);
}
