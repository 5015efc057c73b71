/** Characters that never need quoting in a POSIX shell word (no `=`, so a word is never an assignment). */
const SAFE_WORD = /^[A-Za-z0-9_/.,:@%+-]+$/;

/**
 * Quotes one string so that a POSIX shell passes it to the program as exactly one argument.
 *
 * @example
 * quote("it's") // 'it'\''s'
 */
export function quote(value: string): string {
  if (value.includes('\0')) throw new TypeError('Cannot pass a NUL byte to a shell command');
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
