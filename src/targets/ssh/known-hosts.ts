import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
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

const isLiteral = (pattern: string): boolean => !/[*?]/.test(pattern);

function wildcardMatch(pattern: string, name: string): boolean {
  if (isLiteral(pattern)) return pattern.toLowerCase() === name.toLowerCase();
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
  const forHost = entriesNaming(entries, name).filter((entry) => entry.marker !== '@cert-authority');
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
  const types = entriesNaming(entries, name)
    .filter((entry) => entry.marker === undefined)
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/**
 * Entries of a list, grouped so that a look-up does not test every line: a fleet's known_hosts has a line
 * per host, and testing each against each host costs hosts × lines (seconds at a few hundred hosts).
 */
interface HostIndex {
  /** Positions of the entries whose patterns are all plain names, by lower-cased name. */
  readonly byName: Map<string, number[]>;
  /**
   * Positions of the hashed entries (`|1|salt|hash`), by salt and then by hash: a look-up computes one
   * HMAC per distinct salt, with the salt decoded once, instead of parsing and hashing line by line.
   */
  readonly bySalt: Map<string, { readonly salt: Buffer; readonly byHash: Map<string, number[]> }>;
  /** Positions of the others (wildcards, negations): these are tested one by one. */
  readonly scanned: number[];
  /** Names looked up already, with the entries naming them. */
  readonly found: Map<string, KnownHostEntry[]>;
}

const indexes = new WeakMap<readonly KnownHostEntry[], HostIndex>();

function pushTo<K>(map: Map<K, number[]>, key: K, position: number): void {
  const positions = map.get(key);
  if (positions) positions.push(position);
  else map.set(key, [position]);
}

function indexOf(entries: readonly KnownHostEntry[]): HostIndex {
  const index = indexes.get(entries);
  if (index) return index;
  const built: HostIndex = { byName: new Map(), bySalt: new Map(), scanned: [], found: new Map() };
  entries.forEach((entry, position) => {
    if (entry.patterns.startsWith('|')) {
      // Anything but `|1|salt|hash` matches no name (as matchesHost says).
      const [, kind, salt, hash] = entry.patterns.split('|');
      if (kind !== '1' || !salt || !hash) return;
      let group = built.bySalt.get(salt);
      if (!group) built.bySalt.set(salt, (group = { salt: Buffer.from(salt, 'base64'), byHash: new Map() }));
      return pushTo(group.byHash, hash, position);
    }
    const patterns = entry.patterns.split(',');
    if (!patterns.every((p) => !p.startsWith('!') && isLiteral(p))) return built.scanned.push(position);
    for (const name of new Set(patterns.map((p) => p.toLowerCase()))) pushTo(built.byName, name, position);
  });
  indexes.set(entries, built);
  return built;
}

/** The entries whose patterns name `name`, in file order (as matchesHost decides, without testing each). */
function entriesNaming(entries: readonly KnownHostEntry[], name: string): KnownHostEntry[] {
  const index = indexOf(entries);
  let found = index.found.get(name);
  if (found) return found;
  const positions = [
    ...(index.byName.get(name.toLowerCase()) ?? []),
    ...index.scanned.filter((position) => matchesHost(entries[position]!.patterns, name)),
  ];
  for (const { salt, byHash } of index.bySalt.values()) {
    const hashedHere = byHash.get(createHmac('sha1', salt).update(name).digest('base64'));
    if (hashedHere) positions.push(...hashedHere);
  }
  found = positions.sort((a, b) => a - b).map((position) => entries[position]!);
  index.found.set(name, found);
  return found;
}

const cache = new Map<string, { mtimeMs: number; entries: KnownHostEntry[] }>();
const missing: KnownHostEntry[] = [];
const combined = new Map<string, { parts: KnownHostEntry[][]; entries: KnownHostEntry[] }>();

/**
 * Reads known_hosts files (missing ones count as empty), cached until their mtime changes. The same files
 * unchanged give the same array, so that its look-up index is built once.
 */
export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  const parts = files.map((file) => {
    const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) return missing;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.entries;
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    cache.set(file, { mtimeMs, entries });
    return entries;
  });
  const key = files.join('\n');
  const last = combined.get(key);
  if (last && last.parts.every((part, i) => part === parts[i])) return last.entries;
  const entries = parts.flat();
  combined.set(key, { parts, entries });
  return entries;
}

/**
 * The hashed form of a host name, as OpenSSH writes it with `HashKnownHosts yes`: `|1|salt|HMAC-SHA1`.
 *
 * @example
 * matchesHost(hashHostName('[web1]:2222'), '[web1]:2222') // true
 */
export function hashHostName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** A lock older than this was left by a process that died holding it (the lock is held for a few ms). */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 30_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Runs `fn` holding `<file>.lock`, so that processes adding keys at once neither lose nor tear lines. */
function withFileLock<T>(file: string, fn: () => T): T {
  const lockPath = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > STALE_LOCK_MS) {
        try {
          unlinkSync(lockPath);
        } catch {
          // Another process took it over first.
        }
      } else if (Date.now() > deadline) {
        throw new Error(`${lockPath} has been held by another process for ${LOCK_WAIT_MS / 1000} s`);
      } else Atomics.wait(pause, 0, 0, 5);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // Taken over as stale: nothing to release.
    }
  }
}

/**
 * Records a key for `name` (accept-new), hashed when `hash` is set (ssh_config `HashKnownHosts yes`),
 * creating the file 0600 and its directory when needed. Holds `<file>.lock` meanwhile; a key that another
 * process recorded first is not added twice. Returns whether the key was added.
 */
export function addKnownHost(
  file: string,
  name: string,
  key: Buffer,
  options: { readonly hash: boolean },
): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  return withFileLock(file, () => {
    const text = statSync(file, { throwIfNoEntry: false }) ? readFileSync(file, 'utf8') : '';
    if (checkHostKey(parseKnownHosts(text), name, key).status !== 'unknown') return false;
    const separator = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
    const host = options.hash ? hashHostName(name) : name;
    appendFileSync(file, `${separator}${host} ${keyTypeOf(key)} ${key.toString('base64')}\n`, {
      mode: 0o600,
    });
    cache.delete(file);
    return true;
  });
}
