import { FanoutError } from '../errors.js';

/**
 * A mistake on the command line: the message names the flag or argument. Nothing has run when it is thrown.
 *
 * @example
 * throw usageError('--concurrency', 'expected an integer from 1 and up, got `0`');
 */
export function usageError(flag: string, message: string): FanoutError {
  return new FanoutError(`${flag}: ${message}`, { code: 'USAGE' });
}
