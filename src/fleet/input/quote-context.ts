import { quote } from '../../shell/quote.js';

/** Where a replacement string stands in a shell command: outside quotes, inside '…', or inside "…". */
export type QuoteContext = 'plain' | 'single' | 'double';

/**
 * Quotes a value for the place it is inserted, so that the shell hands it to the command unchanged:
 * outside quotes as one quoted word, inside '…' by closing and reopening around each `'`, inside "…" by
 * escaping the characters that stay special there (`\ $ " \``).
 *
 * @example
 * quoteFor('single', "it's") // "it'\\''s"
 */
export function quoteFor(context: QuoteContext, value: string): string {
  if (value.includes('\0')) throw new TypeError('Cannot pass a NUL byte to a shell command');
  switch (context) {
    case 'plain':
      return quote(value);
    case 'single':
      return value.replaceAll("'", `'\\''`);
    case 'double':
      return value.replace(/[\\$"`]/g, '\\$&');
  }
}
