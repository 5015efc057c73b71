import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type SSHConfig from 'ssh-config';
import type * as SshConfigModule from 'ssh-config';
import type { Line } from 'ssh-config';
import { lazyRequire } from '../../internal/lazy-require.js';

/** The ssh_config parser, loaded when the first ssh_config file is read. */
const loadSshConfig = lazyRequire<typeof SshConfigModule>('ssh-config');
import { FanoutError } from '../../errors.js';

/** `~` and `~/…` → the home directory. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** The files an `Include` word names: `*` and `?` are expanded in the last path component, sorted. */
export function expandInclude(word: string, baseDir: string): string[] {
  const path = resolve(baseDir, expandHome(word));
  const name = basename(path);
  if (!/[*?]/.test(name)) return existsSync(path) ? [path] : [];
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const pattern = globToRegExp(name);
  return readdirSync(dir)
    .filter((entry) => pattern.test(entry) && !entry.startsWith('.'))
    .sort()
    .map((entry) => join(dir, entry));
}

function words(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.map((part: { val: string }) => part.val);
  return [];
}

/**
 * Replaces `Include` lines by the lines of the files they name, recursively. A top-level Include is
 * spliced in place; an Include inside a Host/Match block adds the included file's own top-level lines to
 * that block and its Host/Match blocks after it (OpenSSH nests them; that nesting is rare and not kept).
 */
function flattenIncludes(config: SSHConfig, baseDir: string, depth: number): SSHConfig {
  if (depth > 16) {
    throw new FanoutError('ssh_config Include nests deeper than 16 levels', { code: 'CONFIG_INVALID' });
  }
  const flat = new (loadSshConfig().default)();
  const loadAll = (line: Line): SSHConfig[] =>
    'param' in line && /^include$/i.test(line.param)
      ? words(line.value).flatMap((word) =>
          expandInclude(word, baseDir).map((file) => flattenIncludes(parseFile(file), baseDir, depth + 1)),
        )
      : [];
  for (const line of config) {
    if (line.type !== loadSshConfig().LineType.DIRECTIVE) continue;
    const included = loadAll(line);
    if ('param' in line && /^include$/i.test(line.param)) {
      for (const file of included) flat.push(...file);
      continue;
    }
    if ('config' in line) {
      const inner = new (loadSshConfig().default)();
      const sections: Line[] = [];
      for (const child of line.config) {
        const nested = loadAll(child);
        if (
          nested.length === 0 &&
          child.type === loadSshConfig().LineType.DIRECTIVE &&
          !/^include$/i.test(child.param)
        ) {
          inner.push(child);
        }
        for (const file of nested) {
          for (const entry of file) ('config' in entry ? sections : inner).push(entry);
        }
      }
      flat.push({ ...line, config: inner }, ...sections);
      continue;
    }
    flat.push(line);
  }
  return flat;
}

function parseFile(file: string): SSHConfig {
  try {
    return loadSshConfig().default.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FanoutError(`Cannot read ssh_config file ${file}: ${(error as Error).message}`, {
      code: 'CONFIG_INVALID',
      cause: error,
    });
  }
}

const cache = new Map<string, { mtimeMs: number; config: SSHConfig }>();

/**
 * Reads an ssh_config file with its Includes (relative paths are taken from the file's own directory,
 * which is `~/.ssh` for the default file). Parsed files are cached until their mtime changes.
 */
export function readSshConfigFile(file: string): SSHConfig {
  const path = resolve(expandHome(file));
  const mtimeMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  if (mtimeMs === undefined) {
    throw new FanoutError(`ssh_config file ${path} does not exist`, { code: 'CONFIG_INVALID' });
  }
  const cached = cache.get(path);
  if (cached && cached.mtimeMs === mtimeMs) return cached.config;
  const baseDir = isAbsolute(path) ? dirname(path) : process.cwd();
  const config = flattenIncludes(parseFile(path), baseDir, 0);
  cache.set(path, { mtimeMs, config });
  return config;
}

/** The default user config, when it exists. */
export function defaultSshConfigFile(): string | undefined {
  const path = join(homedir(), '.ssh', 'config');
  return existsSync(path) ? path : undefined;
}
