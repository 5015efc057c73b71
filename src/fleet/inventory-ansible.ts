import { FanoutError } from '../errors.js';
import type { Inventory, TargetSpec } from './inventory.js';

/**
 * The connection variables fanout reads from an Ansible inventory, by the name fanout gives them (the old
 * `ansible_ssh_*` spellings are read too); every other variable is ignored and listed.
 */
const CONNECTION_KEYS: Readonly<Record<string, string>> = {
  ansible_host: 'host',
  ansible_ssh_host: 'host',
  ansible_port: 'port',
  ansible_ssh_port: 'port',
  ansible_user: 'user',
  ansible_ssh_user: 'user',
  ansible_ssh_private_key_file: 'identityFile',
  ansible_private_key_file: 'identityFile',
  ansible_connection: 'connection',
};

/** A variable's value and where it was set. */
interface Value {
  readonly value: string;
  readonly line: number;
}

/** One group as an Ansible inventory declares it (INI sections or YAML mappings, merged by name). */
export interface AnsibleGroup {
  /** Host name → the line that first named it in this group. */
  readonly hosts: Map<string, number>;
  readonly children: { readonly name: string; readonly line: number }[];
  /** Connection variables only (`host`, `port`, `user`, `identityFile`, `connection`). */
  readonly vars: Map<string, Value>;
  readonly line: number;
}

/**
 * What the INI and YAML readers collect before the targets are made: groups, each host's own connection
 * variables and first line, and the variables that are ignored.
 */
export class AnsibleModel {
  readonly groups = new Map<string, AnsibleGroup>();
  readonly hostVars = new Map<string, Map<string, Value>>();
  readonly hostLines = new Map<string, number>();
  /** `file:line: name` of each variable that is not a connection key. */
  readonly ignored = new Set<string>();

  constructor(readonly file: string) {}

  fail(line: number, message: string): never {
    throw new FanoutError(`${this.file}:${line}: ${message}`, { code: 'INVENTORY_INVALID' });
  }

  group(name: string, line: number): AnsibleGroup {
    let found = this.groups.get(name);
    if (!found) {
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
        this.fail(line, `group name \`${name}\` must be letters, digits, '_', '.', '-'`);
      found = { hosts: new Map(), children: [], vars: new Map(), line };
      this.groups.set(name, found);
    }
    return found;
  }

  /** Adds the hosts a pattern (`web[01:03]`) names to a group, each with its own variables. */
  addHosts(
    group: string,
    pattern: string,
    vars: readonly (readonly [key: string, value: string, line?: number])[],
    line: number,
  ): void {
    // `host:port` (not an IPv6 address) sets the port, as in Ansible.
    const withPort = /^([^:]+):(\d+)$/.exec(pattern);
    if (withPort) vars = [['ansible_port', withPort[2]!], ...vars];
    let names: string[];
    try {
      names = expandAnsibleRange(withPort ? withPort[1]! : pattern);
    } catch (error) {
      this.fail(line, `${(error as Error).message} in \`${pattern}\``);
    }
    const entry = this.group(group, line);
    for (const name of names) {
      if (!entry.hosts.has(name)) entry.hosts.set(name, line);
      if (!this.hostLines.has(name)) this.hostLines.set(name, line);
      const own = this.hostVars.get(name) ?? new Map<string, Value>();
      for (const [key, value, at] of vars) this.setVar(own, key, value, at ?? line);
      this.hostVars.set(name, own);
    }
  }

  /** Records a variable: a connection key into `into`, any other in the ignored list. */
  setVar(into: Map<string, Value>, key: string, value: string, line: number): void {
    const name = CONNECTION_KEYS[key];
    if (name) into.set(name, { value, line });
    else this.ignored.add(`${this.file}:${line}: ${key}`);
  }
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
  const numeric = /^(\d*):(\d+)(?::(\d+))?$/.exec(body);
  const alpha = /^([a-z]):([a-z])$/i.exec(body);
  const values: string[] = [];
  if (numeric) {
    const [, start = '', to = '', step = '1'] = numeric;
    const from = start === '' ? '0' : start;
    if (Number(to) < Number(from) || Number(step) < 1) throw new TypeError(`bad range [${body}]`);
    if ((Number(to) - Number(from)) / Number(step) > 100_000)
      throw new TypeError(`range [${body}] is too large`);
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
 * `web[01:20]`), `[group:children]` and `[group:vars]`. `ansible_host`, `ansible_port`, `ansible_user`,
 * `ansible_ssh_private_key_file` and `ansible_connection` make each host's target, host variables over
 * group variables, a child group's over its parent's; other variables are ignored and listed. Every error
 * names the file and line.
 *
 * @example
 * const inventory = parseAnsibleIni('[web]\nweb[01:02] ansible_user=deploy\n', 'hosts.ini');
 */
export function parseAnsibleIni(text: string, file: string): Inventory {
  const model: AnsibleModel = new AnsibleModel(file);
  let section: { name: string; kind: 'hosts' | 'children' | 'vars' } = { name: 'ungrouped', kind: 'hosts' };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#') || content.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::([^\]]+))?\]$/.exec(content);
    if (header) {
      const kind = header[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') {
        model.fail(
          line,
          `unknown section kind \`:${kind}\` (expected [group], [group:children] or [group:vars])`,
        );
      }
      section = { name: header[1]!.trim(), kind: kind as typeof section.kind };
      model.group(section.name, line);
      return;
    }
    if (content.startsWith('[')) model.fail(line, `bad section header \`${content}\``);
    if (section.kind === 'vars') {
      const pairs = parsePairs(content.replace(/\s*=\s*/, '='));
      if (!pairs || pairs.length !== 1)
        model.fail(line, `expected \`key=value\` in [${section.name}:vars], got \`${content}\``);
      model.setVar(model.group(section.name, line).vars, pairs[0]![0], pairs[0]![1], line);
    } else if (section.kind === 'children') {
      if (/\s/.test(content))
        model.fail(line, `expected one group name per line in [${section.name}:children]`);
      model.group(section.name, line).children.push({ name: content, line });
    } else {
      const [pattern = '', ...rest] = content.split(/\s+/);
      const pairs = parsePairs(rest.join(' '));
      if (!pairs) model.fail(line, `expected \`host key=value …\`, got \`${content}\``);
      model.addHosts(section.name, pattern, pairs, line);
    }
  });
  return buildAnsibleInventory(model);
}

/** The target URI of a host from its merged connection variables. */
function targetOf(
  model: AnsibleModel,
  host: string,
  vars: ReadonlyMap<string, Value>,
): Pick<TargetSpec, 'uri' | 'kind' | 'options'> {
  const get = (key: string) => vars.get(key)?.value;
  const address = get('host') ?? host;
  const connection = get('connection') ?? 'ssh';
  if (connection === 'local') return { uri: 'local', kind: 'local', options: {} };
  if (connection === 'docker' || connection === 'community.docker.docker')
    return { uri: `docker://${address}`, kind: 'docker', options: {} };
  if (connection !== 'ssh' && connection !== 'paramiko' && connection !== 'smart') {
    model.fail(
      vars.get('connection')!.line,
      `ansible_connection \`${connection}\` of \`${host}\` is not supported (fanout reads ssh, local and docker)`,
    );
  }
  const port = vars.get('port');
  if (port !== undefined && !/^\d+$/.test(port.value))
    model.fail(port.line, `ansible_port of \`${host}\` must be a number, got \`${port.value}\``);
  const user = get('user');
  const authority = `${user ? `${encodeURIComponent(user)}@` : ''}${address.includes(':') ? `[${address}]` : address}${port ? `:${port.value}` : ''}`;
  const identityFile = get('identityFile');
  return { uri: `ssh://${authority}`, kind: 'ssh', options: identityFile ? { identityFile } : {} };
}

/**
 * Makes the inventory from what a reader collected: groups with their children expanded, and one target
 * per host, its connection variables merged as Ansible does (`all`, then groups by depth and name, a child
 * over its parents, then the host's own).
 */
export function buildAnsibleInventory(model: AnsibleModel): Inventory {
  const { groups, file } = model;
  const parents = new Map<string, string[]>();
  for (const [name, entry] of groups) {
    for (const child of entry.children) {
      if (!groups.has(child.name))
        model.fail(child.line, `unknown child group \`${child.name}\` of \`${name}\``);
      parents.set(child.name, [...(parents.get(child.name) ?? []), name]);
    }
  }
  const members = new Map<string, string[]>();
  const expand = (name: string, trail: string[]): string[] => {
    const done = members.get(name);
    if (done) return done;
    const entry = groups.get(name)!;
    const names = [...entry.hosts.keys()];
    for (const child of entry.children) {
      if (trail.includes(child.name))
        model.fail(child.line, `groups include each other: ${[...trail, child.name].join(' → ')}`);
      names.push(...expand(child.name, [...trail, child.name]));
    }
    const unique = [...new Set(names)];
    members.set(name, unique);
    return unique;
  };
  for (const name of groups.keys()) expand(name, [name]);
  // Depth below `all`: a child's variables win over its parents'; at equal depth, by name (as Ansible).
  const depth = (name: string, trail: string[] = []): number =>
    1 +
    Math.max(
      0,
      ...(parents.get(name) ?? []).filter((p) => !trail.includes(p)).map((p) => depth(p, [...trail, name])),
    );
  const ordered = [...groups.keys()]
    .filter((name) => name !== 'all')
    .sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  const targets = new Map<string, TargetSpec>();
  for (const [host, own] of model.hostVars) {
    const vars = new Map(groups.get('all')?.vars ?? []);
    for (const name of ordered) {
      if (members.get(name)!.includes(host))
        for (const [key, value] of groups.get(name)!.vars) vars.set(key, value);
    }
    for (const [key, value] of own) vars.set(key, value);
    targets.set(host, {
      name: host,
      ...targetOf(model, host, vars),
      weight: 1,
      defaults: {},
      source: `${file}:${model.hostLines.get(host)!}`,
    });
  }
  const groupMembers = new Map<string, string[]>();
  for (const [name, list] of members) if (name !== 'all') groupMembers.set(name, list);
  groupMembers.set('all', [...targets.keys()]);
  return { file, targets, groups: groupMembers, ignored: [...model.ignored] };
}
