import { hasRawBytes, printfBytes, RAW_BYTES } from './bytes.js';

/** Splits text into pieces and runs of raw bytes (at odd indexes). */
const RAW_BYTES_RUN = /([\uDC80-\uDCFF]+)/u;

/** Characters that never need quoting in a POSIX shell word (no `=`, so a word is never an assignment). */
const SAFE_WORD = /^[A-Za-z0-9_/.,:@%+-]+$/;

/**
 * Quotes one string so that a POSIX shell passes it to the program as exactly one argument.
 *
 * @example
 * quote("it's") // 'it'\''s'
 */
export function quote(value: string): string {
  checkQuotable(value);
  if (SAFE_WORD.test(value)) return value;
  if (!hasRawBytes(value)) return singleQuote(value);
  // Bytes that were not UTF-8 (kept as lone surrogates) cannot be written in a UTF-8 command: printf makes
  // them, between the quoted pieces of text around them.
  return value
    .split(RAW_BYTES_RUN)
    .map((part, index) => (index % 2 === 1 ? `"${printfBytes(part)}"` : part && singleQuote(part)))
    .join('');
}

const singleQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** Refuses what no shell word can hold: a NUL byte, or a lone surrogate that does not stand for a byte. */
export function checkQuotable(value: string): void {
  if (value.includes('\0')) throw new TypeError('Cannot pass a NUL byte to a shell command');
  if (/\p{Cs}/u.test(value.replace(RAW_BYTES, ''))) {
    throw new TypeError(
      'Cannot pass a string with a lone surrogate (not a byte U+DC80-U+DCFF) to a shell command',
    );
  }
}
