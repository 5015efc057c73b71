import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** One key line of a known_hosts file. */
export interface KnownHostEntry {
  readonly marker: '@revoked' | '@cert-authority' | undefined;
  /** Comma-separated patterns: names, `[host]:port`, wildcards, `!negations`, or one `|1|salt|hash`. */
  readonly patterns: string;
  readonly keyType: string;
  readonly key: Buffer;
}

/** What the known_hosts files say about a host's key. */
export type HostKeyStatus =
  | { readonly status: 'known' }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly expected: readonly KnownHostEntry[] }
  | { readonly status: 'revoked' };

/**
 * Reads known_hosts text; malformed lines and comments are skipped.
 *
 * @example
 * parseKnownHosts('[web1]:2222 ssh-ed25519 AAAAC3Nz…')
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue;
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? fields.shift() : undefined;
    const [patterns, keyType, base64] = fields;
    if (!patterns || !keyType || !base64) continue;
    entries.push({
      marker: marker as KnownHostEntry['marker'],
      patterns,
      keyType,
      key: Buffer.from(base64, 'base64'),
    });
  }
  return entries;
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`, 'i').test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, kind, salt, hash] = pattern.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return mac === hash;
}

/** True when the entry's host patterns name `name` (a `knownHostsName`) and no negation excludes it. */
export function matchesHost(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa` …). */
export function keyTypeOf(key: Buffer): string {
  const length = key.length >= 4 ? key.readUInt32BE(0) : 0;
  return key.subarray(4, 4 + length).toString('latin1');
}

/**
 * Checks a server's host key against known_hosts entries, as OpenSSH does: a revoked key refuses, a
 * matching key passes, another key of the same type for the host is a change, no key of that type is unknown.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyStatus {
  const forHost = entries.filter(
    (entry) => entry.marker !== '@cert-authority' && matchesHost(entry.patterns, name),
  );
  if (forHost.some((entry) => entry.marker === '@revoked' && entry.key.equals(key)))
    return { status: 'revoked' };
  const plain = forHost.filter((entry) => entry.marker === undefined);
  if (plain.some((entry) => entry.key.equals(key))) return { status: 'known' };
  const type = keyTypeOf(key);
  const sameType = plain.filter((entry) => entry.keyType === type);
  return sameType.length > 0 ? { status: 'changed', expected: sameType } : { status: 'unknown' };
}

/** Key types the files know for a host, so the handshake can prefer them (as OpenSSH orders them). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((entry) => entry.marker === undefined && matchesHost(entry.patterns, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

const cache = new Map<string, { mtimeMs: number; entries: KnownHostEntry[] }>();

/** Reads known_hosts files (missing ones count as empty), cached until their mtime changes. */
export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  return files.flatMap((file) => {
    const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) return [];
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.entries;
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    cache.set(file, { mtimeMs, entries });
    return entries;
  });
}

/** Appends a key for `name` (accept-new), creating the file and its directory when needed. */
export function addKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const separator = size > 0 && !readFileSync(file).subarray(-1).equals(Buffer.from('\n')) ? '\n' : '';
  appendFileSync(file, `${separator}${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
  cache.delete(file);
}
