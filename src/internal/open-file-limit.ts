import { readFileSync } from 'node:fs';

/**
 * The open-file limit of this process (Node raises the soft limit to the hard one when it starts), or
 * undefined where /proc does not tell it.
 *
 * @example
 * openFileLimit() // 1048576
 */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line && line[1] !== 'unlimited' ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}
