import { posix } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Checks an entry path from an archive or a remote listing: relative, no `..`, no empty or `.` parts. Such
 * an entry would land outside the destination, so the whole transfer is refused.
 *
 * @example
 * isSafeEntryPath('logs/app.log'); // true
 * isSafeEntryPath('../etc/passwd'); // false
 */
export function isSafeEntryPath(path: string): boolean {
  if (path === '') return true;
  if (path.startsWith('/') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** A random tag for a transfer's temporary names: 12 hex digits, the form the staging sweep looks for. */
export function createNonce(): string {
  return randomBytes(6).toString('hex');
}

/** Prefix of every temporary name: `.fanout-<nonce>.` (hidden, and easy to find for clean-up). */
export function tempPrefix(nonce: string): string {
  return `.fanout-${nonce}.`;
}

/**
 * The temporary name a file is written under before its rename: in the same directory, so the rename is
 * atomic.
 *
 * @example
 * tempPathFor('/srv/app/bin', 'a1b2'); // '/srv/app/.fanout-a1b2.bin'
 */
export function tempPathFor(path: string, nonce: string): string {
  const dir = posix.dirname(path);
  return posix.join(dir, `${tempPrefix(nonce)}${posix.basename(path)}`);
}

/** `root` joined with an entry path ('' is the root). */
export function joinEntry(root: string, path: string): string {
  return path === '' ? root : posix.join(root, path);
}
