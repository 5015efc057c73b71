/**
 * Argument checks shared by the parallel toolkit. Each throws a TypeError in one fixed shape, so a bad
 * option fails at the call that passed it, never later inside a running task.
 */

function describe(value: unknown): string {
  return `\`${typeof value === 'symbol' ? value.toString() : String(value)}\` (${typeof value})`;
}

/**
 * Checks that `value` is an integer from `min` up (or `Infinity`, when allowed) and returns it.
 *
 * @example
 * validateInteger(0, 'concurrency', 1, true); // TypeError: Expected `concurrency` to be an integer from 1 and up, got `0` (number)
 */
export function validateInteger(value: unknown, name: string, min: number, allowInfinity = false): number {
  const ok =
    typeof value === 'number' &&
    (Number.isInteger(value) || (allowInfinity && value === Infinity)) &&
    value >= min;
  if (!ok)
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} and up, got ${describe(value)}`);
  return value;
}

/**
 * Checks that `value` is a finite number within `[min, max]` and returns it.
 *
 * @example
 * validateNumber(0.5, 'jitter', 0, 1); // 0.5
 */
export function validateNumber(value: unknown, name: string, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new TypeError(`Expected \`${name}\` to be a number ${range}, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that `value` is a function.
 *
 * @example
 * validateFunction(mapper, 'mapper');
 */
export function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function')
    throw new TypeError(`Expected \`${name}\` to be a function, got ${describe(value)}`);
}

/**
 * Checks an optional AbortSignal.
 *
 * @example
 * validateSignal(options.signal);
 */
export function validateSignal(value: unknown, name = 'signal'): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that `options` is an object with no keys outside `known`, so a misspelt option is an error
 * rather than a silent default.
 *
 * @example
 * validateOptions(options, 'parallelMap', ['concurrency', 'signal']);
 */
export function validateOptions<T extends object>(
  options: unknown,
  owner: string,
  known: readonly string[],
): T {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected the options of ${owner} to be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`Unknown option \`${key}\` of ${owner}; known: ${known.join(', ')}`);
    }
  }
  return options as T;
}

/**
 * Checks that `value` is an array, an iterable or an async iterable of work.
 *
 * @example
 * validateIterable(items, 'items');
 */
export function validateIterable(value: unknown, name: string): void {
  const ok =
    value !== null &&
    (typeof value === 'object' || typeof value === 'string') &&
    (Symbol.iterator in Object(value) || Symbol.asyncIterator in Object(value));
  if (!ok)
    throw new TypeError(`Expected \`${name}\` to be an iterable or async iterable, got ${describe(value)}`);
}
