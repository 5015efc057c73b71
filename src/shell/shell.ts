import type { Target } from '../targets/target.js';
import { combineOptions, scopedOptions, validateShellOptions, type ShellOptions } from './options.js';
import { ProcessPromise } from './process-promise.js';
import { buildCommand, buildRawCommand } from './template.js';

/**
 * Runs commands on one target. Call it as a tagged template (values are quoted) or with options to get a
 * shell with those defaults bound.
 */
export interface Shell {
  (strings: TemplateStringsArray, ...values: readonly unknown[]): ProcessPromise;
  (options: Partial<ShellOptions>): Shell;
  /** Like the template form, but pastes values in unquoted: `` $.raw`${'echo 1'}` `` runs `echo 1`. */
  raw(strings: TemplateStringsArray, ...values: readonly unknown[]): ProcessPromise;
  /** Runs an already-built command line as it is. */
  run(command: string): ProcessPromise;
  readonly target: Target;
}

function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && 'raw' in value;
}

/**
 * Makes a shell for a target. Options resolve as: defaults, then the enclosing `within()` scopes (taken when
 * the command is created), then the options bound here, then those chained on the command.
 *
 * @example
 * const $app = createShell(localTarget, { cwd: '/srv/app' });
 * await $app`ls`;
 */
export function createShell(target: Target, bound: Partial<ShellOptions> = {}): Shell {
  validateShellOptions(bound);
  const create = (command: string, secrets: Record<string, string> = {}): ProcessPromise => {
    return new ProcessPromise(target, command, combineOptions(scopedOptions(), bound, { env: secrets }));
  };
  function shell(first: TemplateStringsArray | Partial<ShellOptions>, ...values: readonly unknown[]) {
    if (isTemplate(first)) {
      const secrets: Record<string, string> = {};
      return create(buildCommand(first, values, secrets), secrets);
    }
    validateShellOptions(first);
    return createShell(target, combineOptions(bound, first));
  }
  return Object.assign(shell as Shell, {
    raw: (strings: TemplateStringsArray, ...values: readonly unknown[]) =>
      create(buildRawCommand(strings, values)),
    run: (command: string) => {
      if (typeof command !== 'string') throw new TypeError('Expected `command` to be a string');
      return create(buildRawCommand([command], []));
    },
    target,
  });
}
