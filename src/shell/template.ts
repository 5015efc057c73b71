import { quote } from '../internal/quote.js';
import { Secret } from '../internal/secrets.js';

/** A value that may stand in a `$` template: each becomes one quoted argument, an array several. */
export type TemplateValue =
  string | number | bigint | Secret | { readonly stdout: string } | readonly TemplateValue[];

function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  return `\`${String(value)}\` (${typeof value})`;
}

function toWords(value: unknown, position: number): (string | Secret)[] {
  if (typeof value === 'string' || value instanceof Secret) return [value];
  if (typeof value === 'number' || typeof value === 'bigint') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((item) => toWords(item, position));
  if (typeof value === 'object' && value !== null && 'stdout' in value && typeof value.stdout === 'string') {
    return [value.stdout.trim()];
  }
  throw new TypeError(
    `Expected interpolated value #${position} to be a string, number, command result or array of them, got ${describe(value)}`,
  );
}

/**
 * Builds a command line from a template, quoting each interpolated value for a POSIX shell. A Secret
 * becomes a reference to its variable, added to `env`: its value is never in the command line.
 *
 * @example
 * buildCommand(['ls ', ''], [['-l', 'my dir']]) // "ls -l 'my dir'"
 */
export function buildCommand(
  strings: readonly string[],
  values: readonly unknown[],
  env: Record<string, string> = {},
): string {
  const quoteWord = (word: string | Secret): string => {
    if (!(word instanceof Secret)) return quote(word);
    env[word.variable] = word.reveal();
    return `"$${word.variable}"`;
  };
  let command = strings[0] ?? '';
  for (let index = 0; index < values.length; index++) {
    command +=
      toWords(values[index], index + 1)
        .map(quoteWord)
        .join(' ') + (strings[index + 1] ?? '');
  }
  return command;
}

/**
 * Builds a command line from a template without quoting: values are pasted in as they are.
 *
 * @example
 * buildRawCommand(['', ''], ['echo 1']) // 'echo 1'
 */
export function buildRawCommand(strings: readonly string[], values: readonly unknown[]): string {
  let command = strings[0] ?? '';
  for (let index = 0; index < values.length; index++) {
    const words = toWords(values[index], index + 1).map((word) =>
      word instanceof Secret ? word.reveal() : word,
    );
    command += words.join(' ') + (strings[index + 1] ?? '');
  }
  if (command.includes('\0')) throw new TypeError('Cannot pass a NUL byte to a shell command');
  return command;
}
