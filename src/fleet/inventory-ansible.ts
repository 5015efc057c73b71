import { FanoutError } from '../errors.js';
import type { Inventory, TargetSpec } from './inventory.js';

/** The connection variables fanout reads from an Ansible inventory; every other variable is ignored. */
const CONNECTION_KEYS = new Set(['ansible_host', 'ansible_port', 'ansible_user', 'ansible_connection']);

/** An Ansible inventory once read: its targets and groups, and the variables it ignored (for `--verbose`). */
export interface AnsibleInventory extends Inventory {
  /** `file:line: name` of every variable that is not a connection key. */
  readonly ignored: readonly string[];
}

interface Group {
  readonly hosts: Set<string>;
  readonly children: { readonly name: string; readonly line: number }[];
  readonly vars: Map<string, string>;
  readonly line: number;
}

function fail(file: string, line: number, message: string): never {
  throw new FanoutError(`${file}:${line}: ${message}`, { code: 'INVENTORY_INVALID' });
}

/**
 * Expands an Ansible host pattern: `web[01:20]` (zero padding kept), `web[1:9:2]` (a stride), `db-[a:c]`.
 *
 * @example
 * expandAnsibleRange('web[01:03]') // ['web01', 'web02', 'web03']
 */
export function expandAnsibleRange(pattern: string): string[] {
  const match = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!match) return [pattern];
  const [, head = '', body = '', tail = ''] = match;
  const numeric = /^(\d+):(\d+)(?::(\d+))?$/.exec(body);
  const alpha = /^([a-z]):([a-z])$/i.exec(body);
  const values: string[] = [];
  if (numeric) {
    const [, from = '', to = '', step = '1'] = numeric;
    if (Number(to) < Number(from) || Number(step) < 1) throw new TypeError(`bad range [${body}]`);
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
    for (let n = Number(from); n <= Number(to); n += Number(step))
      values.push(String(n).padStart(width, '0'));
  } else if (alpha) {
    const [from, to] = [alpha[1]!.charCodeAt(0), alpha[2]!.charCodeAt(0)];
    if (to < from) throw new TypeError(`bad range [${body}]`);
    for (let code = from; code <= to; code++) values.push(String.fromCharCode(code));
  } else throw new TypeError(`bad range [${body}] (expected e.g. [01:20], [1:9:2] or [a:f])`);
  return values.flatMap((value) => expandAnsibleRange(tail).map((rest) => `${head}${value}${rest}`));
}

/** Splits `key=value key2="a b"` into pairs; undefined when the text is not such a list. */
function parsePairs(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return undefined;
    pairs.push([match[1]!, match[3] ?? match[4] ?? match[5] ?? '']);
    index = pattern.lastIndex;
  }
  return pairs;
}

/**
 * Parses an Ansible INI inventory: `[group]` host lines (with `key=value` variables and ranges such as
 * `web[01:20]`), `[group:children]` and `[group:vars]`. `ansible_host`, `ansible_port`, `ansible_user` (and
 * `ansible_connection=local`) make each host's target, host variables over group variables, a child group's
 * over its parent's; other variables are ignored and listed. Every error names the file and line.
 *
 * @example
 * const inventory = parseAnsibleIni('[web]\nweb[01:02] ansible_user=deploy\n', 'hosts.ini');
 */
export function parseAnsibleIni(text: string, file: string): AnsibleInventory {
  const groups = new Map<string, Group>();
  const hostVars = new Map<string, Map<string, string>>();
  const hostLines = new Map<string, number>();
  const ignored: string[] = [];
  const group = (name: string, line: number): Group => {
    let found = groups.get(name);
    if (!found) groups.set(name, (found = { hosts: new Set(), children: [], vars: new Map(), line }));
    return found;
  };
  const note = (line: number, key: string, value: string, into: Map<string, string>): void => {
    if (CONNECTION_KEYS.has(key)) into.set(key, value);
    else ignored.push(`${file}:${line}: ${key}`);
  };
  let section: { name: string; kind: 'hosts' | 'children' | 'vars' } = { name: 'ungrouped', kind: 'hosts' };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#') || content.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::([^\]]+))?\]$/.exec(content);
    if (header) {
      const kind = header[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') {
        fail(
          file,
          line,
          `unknown section kind \`:${kind}\` (expected [group], [group:children] or [group:vars])`,
        );
      }
      section = { name: header[1]!.trim(), kind: kind as 'hosts' | 'children' | 'vars' };
      group(section.name, line);
      return;
    }
    if (content.startsWith('[')) fail(file, line, `bad section header \`${content}\``);
    const target = group(section.name, line);
    if (section.kind === 'vars') {
      const pairs = parsePairs(content.replace(/\s*=\s*/, '='));
      if (!pairs || pairs.length !== 1) fail(file, line, `expected \`key=value\` in [${section.name}:vars]`);
      note(line, pairs[0]![0], pairs[0]![1], target.vars);
    } else if (section.kind === 'children') {
      if (/\s/.test(content))
        fail(file, line, `expected one group name per line in [${section.name}:children]`);
      target.children.push({ name: content, line });
    } else {
      const [pattern = '', ...rest] = content.split(/\s+/);
      const pairs = parsePairs(rest.join(' '));
      if (!pairs) fail(file, line, `expected \`host key=value …\`, got \`${content}\``);
      let names: string[];
      try {
        names = expandAnsibleRange(pattern);
      } catch (error) {
        fail(file, line, `${(error as Error).message} in \`${pattern}\``);
      }
      for (const name of names) {
        target.hosts.add(name);
        if (!hostLines.has(name)) hostLines.set(name, line);
        const vars = hostVars.get(name) ?? new Map<string, string>();
        for (const [key, value] of pairs) note(line, key, value, vars);
        hostVars.set(name, vars);
      }
    }
  });
  return buildInventory(file, groups, hostVars, hostLines, ignored);
}

function buildInventory(
  file: string,
  groups: Map<string, Group>,
  hostVars: Map<string, Map<string, string>>,
  hostLines: Map<string, number>,
  ignored: string[],
): AnsibleInventory {
  const parents = new Map<string, string[]>();
  for (const [name, entry] of groups) {
    for (const child of entry.children) {
      if (!groups.has(child.name))
        fail(file, child.line, `unknown child group \`${child.name}\` of \`${name}\``);
      parents.set(child.name, [...(parents.get(child.name) ?? []), name]);
    }
  }
  const members = new Map<string, string[]>();
  const expand = (name: string, trail: string[]): string[] => {
    const done = members.get(name);
    if (done) return done;
    const entry = groups.get(name)!;
    const names = [...entry.hosts];
    for (const child of entry.children) {
      if (trail.includes(child.name)) {
        fail(file, child.line, `groups include each other: ${[...trail, child.name].join(' → ')}`);
      }
      names.push(...expand(child.name, [...trail, child.name]));
    }
    const unique = [...new Set(names)];
    members.set(name, unique);
    return unique;
  };
  for (const name of groups.keys()) expand(name, [name]);
  // Depth below `all`: a child's variables win over its parents'.
  const depth = (name: string, trail: string[] = []): number =>
    1 +
    Math.max(
      0,
      ...(parents.get(name) ?? []).filter((p) => !trail.includes(p)).map((p) => depth(p, [...trail, name])),
    );
  const ordered = [...groups.keys()].filter((name) => name !== 'all').sort((a, b) => depth(a) - depth(b));
  const targets = new Map<string, TargetSpec>();
  for (const [host, own] of hostVars) {
    const vars = new Map(groups.get('all')?.vars ?? []);
    for (const name of ordered) {
      if (members.get(name)!.includes(host))
        for (const [key, value] of groups.get(name)!.vars) vars.set(key, value);
    }
    for (const [key, value] of own) vars.set(key, value);
    const address = vars.get('ansible_host') ?? host;
    const port = vars.get('ansible_port');
    const user = vars.get('ansible_user');
    if (port !== undefined && !/^\d+$/.test(port))
      fail(file, hostLines.get(host)!, `ansible_port of \`${host}\` must be a number, got \`${port}\``);
    const local = vars.get('ansible_connection') === 'local';
    const authority = `${user ? `${user}@` : ''}${address.includes(':') ? `[${address}]` : address}${port ? `:${port}` : ''}`;
    targets.set(host, {
      name: host,
      uri: local ? 'local' : `ssh://${authority}`,
      kind: local ? 'local' : 'ssh',
      weight: 1,
      options: {},
      defaults: {},
      source: `${file}:${hostLines.get(host)!}`,
    });
  }
  const groupMembers = new Map<string, string[]>();
  for (const [name, list] of members) if (name !== 'all') groupMembers.set(name, list);
  groupMembers.set('all', [...targets.keys()]);
  return { file, targets, groups: groupMembers, ignored };
}
