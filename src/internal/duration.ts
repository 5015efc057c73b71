/** A length of time: milliseconds as a number, or a string such as `'500ms'`, `'5s'`, `'2m'`, `'1h'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Turns a {@link Duration} into milliseconds, or throws a TypeError naming the option.
 *
 * @example
 * parseDuration('1.5s') // 1500
 */
export function parseDuration(value: unknown, name = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
    if (match) return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  throw new TypeError(
    `Expected \`${name}\` to be milliseconds (a number from 0 up) or a string such as '500ms', '5s', '2m', got \`${String(value)}\` (${typeof value})`,
  );
}
