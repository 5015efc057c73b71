import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FanoutError } from '../errors.js';
import { expandHome, expandInclude } from '../targets/ssh/config-file.js';
import type { Inventory, TargetSpec } from './inventory.js';

const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Reads the `Host` entries of an ssh_config file (and of the files its `Include` lines name) as an
 * inventory: each alias without wildcards (`*`, `?`) or negation (`!`) is a target `ssh://ALIAS`, connected
 * through that same file (HostName, Port, User, IdentityFile, ProxyJump … apply as for `ssh ALIAS`); the
 * only group is `@all`. A `Host` line without a pattern, or a line without a value, is an error naming the
 * file and line.
 *
 * @example
 * const inventory = parseSshConfigInventory('Host web1 web2\n  User deploy\n', '/home/me/.ssh/config');
 */
export function parseSshConfigInventory(text: string, file: string): Inventory {
  const configFile = resolve(expandHome(file));
  const targets = new Map<string, TargetSpec>();
  const read = (content: string, name: string, depth: number): void => {
    if (depth > 16) throw invalid(name, 1, 'Include nests deeper than 16 levels');
    content.split(/\r?\n/).forEach((raw, index) => {
      const line = index + 1;
      const entry = raw.trim();
      if (entry === '' || entry.startsWith('#')) return;
      const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(entry);
      if (!match || match[2]!.trim() === '')
        throw invalid(name, line, `expected \`Keyword value\`, got \`${entry}\``);
      const keyword = match[1]!.toLowerCase();
      const words = match[2]!.trim().split(/\s+/);
      if (keyword === 'include') {
        for (const word of words) {
          for (const included of expandInclude(word, dirname(configFile)))
            read(readFileSync(included, 'utf8'), included, depth + 1);
        }
        return;
      }
      if (keyword !== 'host') return;
      for (const word of words.map((each) => each.replace(/^"(.*)"$/, '$1'))) {
        if (/[*?!]/.test(word)) continue;
        if (!ALIAS.test(word))
          throw invalid(name, line, `Host alias \`${word}\` must be letters, digits, '_', '.', '-'`);
        if (targets.has(word)) continue;
        targets.set(word, {
          name: word,
          uri: `ssh://${word}`,
          kind: 'ssh',
          weight: 1,
          options: { configFile },
          defaults: {},
          source: `${name}:${line}`,
        });
      }
    });
  };
  read(text, file, 0);
  return { file, targets, groups: new Map([['all', [...targets.keys()]]]) };
}

function invalid(file: string, line: number, message: string): FanoutError {
  return new FanoutError(`${file}:${line}: ${message}`, { code: 'INVENTORY_INVALID' });
}
