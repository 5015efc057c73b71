import { readFileSync } from 'node:fs';
import type { LineCounter, Node, YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq, newLineCounter, parseDocument } from '../internal/yaml.js';
import { FanoutError } from '../errors.js';
import { maskUriPassword, URI_PASSWORD_REFUSED } from '../internal/secrets.js';
import { parseAnsibleIni } from './inventory-ansible.js';
import { parseAnsibleYaml } from './inventory-ansible-yaml.js';
import { detectInventoryFormat } from './inventory-format.js';
import { parseSshConfigInventory } from './inventory-ssh-config.js';
import {
  describeTargetUris,
  findTargetKind,
  getTargetKind,
  TARGET_KINDS,
  type TargetScheme,
} from '../targets/registry.js';

/** The kinds of target an inventory can name: the schemes of the target registry. */
export type TargetKind = TargetScheme;

/** One target of an inventory, with its options merged over the inventory's `defaults` for its kind. */
export interface TargetSpec {
  readonly name: string;
  readonly uri: string;
  readonly kind: TargetKind;
  readonly weight: number;
  /** Kind-specific options set on the target itself (for SSH: user, port, identityFile, knownHostsFile, configFile …); they win over the URI. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The inventory's `defaults.<kind>`; the URI wins over them. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Variables added to every command's environment on the target: `defaults.env` under its own `env`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where it was declared: `fanout.yaml:12`, or `command line`. */
  readonly source: string;
}

/** A parsed inventory: targets by name, and groups as lists of target names (nested groups expanded). */
export interface Inventory {
  readonly file: string;
  readonly targets: ReadonlyMap<string, TargetSpec>;
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** What the reader skipped (Ansible variables other than connection keys), as `file:line: name`. */
  readonly ignored?: readonly string[];
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How an inventory is read. */
export interface InventoryOptions {
  /**
   * Accept options that weaken security (`hostKeyPolicy: insecure`, a `password` in the file): the command
   * line's `--allow-insecure`. Default: false, and such options are an error naming the file and line.
   */
  readonly allowInsecure?: boolean;
}

/**
 * The kind of a target URI, or undefined when it is not one.
 *
 * @example
 * kindOf('ssh://deploy@web1:22') // 'ssh'
 */
export function kindOf(uri: string): TargetKind | undefined {
  return findTargetKind(uri)?.scheme;
}

/** Options each kind accepts in `defaults.<kind>` and on a target object, besides `uri` and `weight`. */
function optionKeysOf(kind: TargetKind): readonly string[] {
  return getTargetKind(kind)?.optionKeys ?? [];
}

class InventoryReader {
  readonly #lines = newLineCounter();
  constructor(
    readonly file: string,
    readonly allowInsecure: boolean,
  ) {}

  get lineCounter(): LineCounter {
    return this.#lines;
  }

  fail(node: Node | null | undefined, message: string): never {
    const line = node?.range ? this.#lines.linePos(node.range[0]).line : 1;
    throw new FanoutError(`${this.file}:${line}: ${message}`, { code: 'INVENTORY_INVALID' });
  }

  where(node: Node | null | undefined): string {
    return `${this.file}:${node?.range ? this.#lines.linePos(node.range[0]).line : 1}`;
  }

  map(node: unknown, what: string, at: Node | null | undefined): YAMLMap<unknown, unknown> {
    if (!isMap(node)) this.fail((node as Node | undefined) ?? at, `${what} must be a mapping`);
    return node;
  }

  options(
    kind: TargetKind,
    map: YAMLMap<unknown, unknown>,
    skip: readonly string[],
    what: string,
  ): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (skip.includes(key)) continue;
      if (!optionKeysOf(kind).includes(key)) {
        const known = optionKeysOf(kind).join(', ') || 'none';
        this.fail(pair.key as Node, `unknown option \`${key}\` for ${what} (${kind} options: ${known})`);
      }
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      if (value === undefined || value === null || typeof value === 'object') {
        this.fail(
          (pair.value as Node) ?? (pair.key as Node),
          `\`${key}\` of ${what} must be a string, number or boolean`,
        );
      }
      const row = getTargetKind(kind);
      const risk = row && 'insecureOption' in row ? row.insecureOption(key, value) : undefined;
      if (risk !== undefined && !this.allowInsecure) {
        this.fail(
          pair.key as Node,
          `\`${key}\` of ${what} ${risk}; an inventory may set it only when the command line says --allow-insecure`,
        );
      }
      options[key] = value;
    }
    return options;
  }

  /** An `env:` mapping of variable names to strings. */
  env(node: unknown, at: Node, what: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const pair of this.map(node, `\`env\` of ${what}`, at).items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!ENV_NAME.test(name))
        this.fail(pair.key as Node, `\`${name}\` in \`env\` of ${what} is not an environment variable name`);
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      if (value === undefined || value === null || typeof value === 'object') {
        this.fail(
          (pair.value as Node) ?? (pair.key as Node),
          `\`env.${name}\` of ${what} must be a string, number or boolean`,
        );
      }
      env[name] = String(value);
    }
    return env;
  }
}

/**
 * Parses an inventory's text; every error names the file and line.
 *
 * @example
 * const inventory = parseInventory('targets:\n  alpha: local\n  web1: ssh://deploy@10.0.0.1\n', 'fanout.yaml');
 */
export function parseInventory(text: string, file: string, options: InventoryOptions = {}): Inventory {
  const reader: InventoryReader = new InventoryReader(file, options.allowInsecure ?? false);
  const document = parseDocument(text, {
    lineCounter: reader.lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const first = document.errors[0];
  if (first) {
    const line = reader.lineCounter.linePos(first.pos[0]).line;
    throw new FanoutError(`${file}:${line}: ${first.message.split('\n')[0]}`, { code: 'INVENTORY_INVALID' });
  }
  const root = reader.map(document.contents, 'the inventory', undefined);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!['targets', 'groups', 'defaults'].includes(key)) {
      reader.fail(pair.key as Node, `unknown section \`${key}\` (expected targets, groups, defaults)`);
    }
  }

  const defaults = new Map<TargetKind, Record<string, unknown>>();
  let defaultWeight = 1;
  let defaultEnv: Record<string, string> = {};
  const defaultsNode = root.get('defaults', true);
  if (defaultsNode !== undefined) {
    for (const pair of reader.map(defaultsNode, '`defaults`', root).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === 'weight') defaultWeight = readWeight(reader, pair.value as Node);
      else if (key === 'env') defaultEnv = reader.env(pair.value, pair.key as Node, 'defaults');
      else if (getTargetKind(key)) {
        const kind = key as TargetKind;
        defaults.set(
          kind,
          reader.options(
            kind,
            reader.map(pair.value, `\`defaults.${key}\``, pair.key as Node),
            [],
            `defaults.${key}`,
          ),
        );
      } else
        reader.fail(
          pair.key as Node,
          `unknown key \`${key}\` in defaults (expected weight, env, ${TARGET_KINDS.map((row) => row.scheme).join(', ')})`,
        );
    }
  }

  const targets = new Map<string, TargetSpec>();
  const targetsNode = root.get('targets', true);
  if (targetsNode === undefined) reader.fail(root, 'the inventory has no `targets`');
  for (const pair of reader.map(targetsNode, '`targets`', root).items) {
    const keyNode = pair.key as Node;
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!NAME.test(name))
      reader.fail(keyNode, `target name \`${name}\` must be letters, digits, '_', '.', '-'`);
    let weight = defaultWeight;
    let env = defaultEnv;
    let own: Record<string, unknown> = {};
    let kind: TargetKind | undefined;
    const map = isMap(pair.value) ? pair.value : undefined;
    if (!map && !isScalar(pair.value))
      reader.fail(keyNode, `target \`${name}\` must be a URI or a mapping with \`uri\``);
    const uriValue = (map ? map.get('uri', true) : pair.value) as Node | undefined;
    const uri: unknown = isScalar(uriValue) ? uriValue.value : undefined;
    const uriNode = uriValue ?? keyNode;
    const masked = typeof uri === 'string' ? maskUriPassword(uri) : undefined;
    if (masked !== undefined)
      reader.fail(uriNode, `target \`${name}\` (\`${masked}\`): ${URI_PASSWORD_REFUSED}`);
    if (map) {
      kind = typeof uri === 'string' ? kindOf(uri) : undefined;
      if (map.has('weight')) weight = readWeight(reader, map.get('weight', true) as Node);
      if (map.has('env'))
        env = { ...defaultEnv, ...reader.env(map.get('env', true), keyNode, `target \`${name}\``) };
      if (kind) own = reader.options(kind, map, ['uri', 'weight', 'env'], `target \`${name}\``);
    }
    kind ??= typeof uri === 'string' ? kindOf(uri) : undefined;
    if (!kind) {
      reader.fail(
        (pair.value as Node) ?? keyNode,
        `target \`${name}\` has URI \`${String(uri)}\`: expected ${describeTargetUris()}`,
      );
    }
    targets.set(name, {
      name,
      uri: uri as string,
      kind,
      weight,
      options: own,
      defaults: defaults.get(kind) ?? {},
      env,
      source: reader.where(keyNode),
    });
  }

  return refuseBuiltInNames({ file, targets, groups: readGroups(reader, root, targets) });
}

/**
 * Refuses an inventory, of any format, that names a target as a built-in one (`local`), which would then
 * stand for another machine; the error names where the target is declared.
 */
function refuseBuiltInNames(inventory: Inventory): Inventory {
  for (const spec of inventory.targets.values()) {
    const builtIn = findTargetKind(spec.name);
    if (builtIn) {
      throw new FanoutError(
        `${spec.source}: target name \`${spec.name}\` is built in (always ${builtIn.summary}); choose another name`,
        { code: 'INVENTORY_INVALID' },
      );
    }
  }
  return inventory;
}

function readWeight(reader: InventoryReader, node: Node): number {
  const value = isScalar(node) ? node.value : undefined;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    reader.fail(node, `\`weight\` must be a number above 0, got \`${String(value)}\``);
  }
  return value;
}

function readGroups(
  reader: InventoryReader,
  root: YAMLMap<unknown, unknown>,
  targets: ReadonlyMap<string, TargetSpec>,
): Map<string, string[]> {
  const raw = new Map<string, { members: { name: string; node: Node }[]; node: Node }>();
  const groupsNode = root.get('groups', true);
  if (groupsNode !== undefined) {
    for (const pair of reader.map(groupsNode, '`groups`', root).items) {
      const keyNode = pair.key as Node;
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!NAME.test(name))
        reader.fail(keyNode, `group name \`${name}\` must be letters, digits, '_', '.', '-'`);
      if (name === 'all') reader.fail(keyNode, 'group `all` is built in (every target)');
      if (!isSeq(pair.value))
        reader.fail(
          (pair.value as Node) ?? keyNode,
          `group \`${name}\` must be a list of target or @group names`,
        );
      const members = pair.value.items.map((item) => {
        if (!isScalar(item) || typeof item.value !== 'string')
          reader.fail(item as Node, `members of group \`${name}\` must be names`);
        return { name: item.value, node: item as Node };
      });
      raw.set(name, { members, node: keyNode });
    }
  }
  const groups = new Map<string, string[]>();
  const expand = (name: string, trail: string[]): string[] => {
    const done = groups.get(name);
    if (done) return done;
    const group = raw.get(name)!;
    const names: string[] = [];
    for (const member of group.members) {
      if (member.name.startsWith('@')) {
        const inner = member.name.slice(1);
        if (trail.includes(inner))
          reader.fail(member.node, `groups include each other: ${[...trail, inner].join(' → ')}`);
        if (!raw.has(inner))
          reader.fail(
            member.node,
            unknownMessage(
              'group',
              member.name,
              [...raw.keys()].map((key) => `@${key}`),
            ),
          );
        names.push(...expand(inner, [...trail, inner]));
      } else if (targets.has(member.name)) names.push(member.name);
      else reader.fail(member.node, unknownMessage('target', member.name, [...targets.keys()]));
    }
    const unique = [...new Set(names)];
    groups.set(name, unique);
    return unique;
  };
  for (const name of raw.keys()) expand(name, [name]);
  groups.set('all', [...targets.keys()]);
  return groups;
}

/**
 * The candidates closest to a mistyped name (edit distance, or a shared prefix), best first, at most three.
 *
 * @example
 * closeMatches('wbe1', ['web1', 'web2', 'db1']) // ['web1', 'web2']
 */
export function closeMatches(name: string, candidates: Iterable<string>): string[] {
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of candidates) {
    const score = distance(name.toLowerCase(), candidate.toLowerCase());
    const prefix = candidate.startsWith(name) || name.startsWith(candidate);
    if (score <= Math.max(1, Math.floor(name.length / 3)) || prefix)
      scored.push({ candidate, score: prefix ? 0.5 : score });
  }
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((entry) => entry.candidate);
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** `unknown target \`webb\` (did you mean web1, web2?)` */
export function unknownMessage(what: string, name: string, candidates: Iterable<string>): string {
  const close = closeMatches(name, candidates);
  return `unknown ${what} \`${name}\`${close.length > 0 ? ` (did you mean ${close.join(', ')}?)` : ''}`;
}

/**
 * Reads and parses an inventory file; a missing or unreadable file is an INVENTORY_INVALID error too.
 *
 * @example
 * const inventory = loadInventory('examples/fanout.yaml');
 */
export function loadInventory(file: string, options: InventoryOptions = {}): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FanoutError(`Cannot read inventory ${file}: ${(error as Error).message}`, {
      code: 'INVENTORY_INVALID',
      cause: error,
    });
  }
  // Ansible inventories and ssh_config files have readers of their own (src/fleet/inventory-*.ts); they
  // read no option that weakens security.
  const readers = {
    fanout: (text: string, file: string) => parseInventory(text, file, options),
    'ansible-ini': parseAnsibleIni,
    'ansible-yaml': parseAnsibleYaml,
    'ssh-config': parseSshConfigInventory,
  };
  return refuseBuiltInNames(readers[detectInventoryFormat(text, file)](text, file));
}
