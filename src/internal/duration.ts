/** A length of time: milliseconds as a number, or a string such as `'500ms'`, `'5s'`, `'2m'`, `'1h'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * The longest duration accepted: one year (8760h). Timers run any length (long ones are chained), so this
 * bound only catches values that cannot be meant, such as a number used to say "never".
 */
export const MAX_DURATION_MS = 8760 * UNIT_MS.h;

/**
 * Turns a {@link Duration} into milliseconds, or throws naming the option: a TypeError for what is not a
 * duration, a RangeError for one longer than {@link MAX_DURATION_MS}.
 *
 * @example
 * parseDuration('1.5s') // 1500
 */
export function parseDuration(value: unknown, name = 'duration'): number {
  const ms = toMilliseconds(value);
  if (ms === undefined) {
    throw new TypeError(
      `Expected \`${name}\` to be milliseconds (a number from 0 up) or a string such as '500ms', '5s', '2m', got \`${String(value)}\` (${typeof value})`,
    );
  }
  if (ms > MAX_DURATION_MS) {
    throw new RangeError(
      `Expected \`${name}\` to be at most 8760h (one year), got \`${String(value)}\` (${typeof value}); leave it out for no limit`,
    );
  }
  return ms;
}

function toMilliseconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}
