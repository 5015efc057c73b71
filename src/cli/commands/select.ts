import { loadInventory, registerSecret, selectTargets, type TargetSpec } from '../../index.js';
import { MIN_SECRET_LENGTH } from '../../internal/secrets.js';
import type { CliFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { inventoryPath } from '../options.js';
import { usageError } from '../usage.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The variables `--env` passes to every command (`NAME` takes this process's value, `NAME=value` sets one);
 * each value, and each `--secret NAME` value, is registered as a secret. A name that is not set here is a
 * USAGE error naming the flag; a value is never printed.
 *
 * @example
 * commandEnv({ env: ['TOKEN', 'STAGE=prod'] }, process.env) // { TOKEN: '…', STAGE: 'prod' }
 */
export function commandEnv(flags: CliFlags, environment: NodeJS.ProcessEnv): Record<string, string> {
  const lookup = (flag: string, name: string): string => {
    if (name.includes('=')) throw usageError(flag, 'takes the NAME of a variable set here, not NAME=value');
    if (!ENV_NAME.test(name)) throw usageError(flag, `expected a variable name, got \`${name}\``);
    const value = environment[name];
    if (value === undefined) throw usageError(flag, `\`${name}\` is not set in this environment`);
    return value;
  };
  for (const name of flags.secret ?? []) {
    const value = lookup('--secret', name);
    // A value this short is not masked (it would mask ordinary text everywhere): say so rather than leak it.
    if (value.length < MIN_SECRET_LENGTH) {
      throw usageError(
        '--secret',
        `the value of \`${name}\` is shorter than ${MIN_SECRET_LENGTH} characters, too short to mask without ` +
          'masking ordinary text; pass it with --env (not masked) if that is acceptable',
      );
    }
    registerSecret(value);
  }
  const env: Record<string, string> = {};
  for (const given of flags.env ?? []) {
    const split = given.indexOf('=');
    const name = split < 0 ? given : given.slice(0, split);
    if (split >= 0 && !ENV_NAME.test(name))
      throw usageError('--env', `expected NAME or NAME=value, and \`${name}\` is not a variable name`);
    env[name] = split < 0 ? lookup('--env', name) : given.slice(split + 1);
    registerSecret(env[name]);
  }
  return env;
}

/**
 * Reads the inventory (when there is one) and resolves the selection; errors name the file and line, or
 * the unknown name with close matches. With `--verbose`, what the inventory reader ignored goes to stderr.
 * `--env` variables (taken from `io.env`) are added to every target's own `env`.
 *
 * @example
 * const specs = resolveSelection(['@web'], { inventory: 'fanout.yaml' }, io);
 */
export function resolveSelection(
  selection: readonly string[],
  flags: CliFlags,
  io: Pick<CliIo, 'stderr' | 'env'>,
): TargetSpec[] {
  return resolveSelectionGroups(selection, flags, io).specs;
}

/**
 * `resolveSelection`, and the group progress counts each target under: the first `@group` word of the
 * selection that selects it (`@web`, `@web:&@prod`), else its kind (`ssh`, `docker`, `local` …).
 *
 * @example
 * const { specs, groupOf } = resolveSelectionGroups(['@web', 'db1'], flags, io);
 * groupOf('db1') // 'ssh'
 */
export function resolveSelectionGroups(
  selection: readonly string[],
  flags: CliFlags,
  io: Pick<CliIo, 'stderr' | 'env'>,
): { specs: TargetSpec[]; groupOf: (target: string) => string } {
  const env = commandEnv(flags, io.env);
  const file = inventoryPath(flags);
  const inventory =
    file === undefined ? undefined : loadInventory(file, { allowInsecure: flags.allowInsecure ?? false });
  if (flags.verbose && inventory?.ignored?.length) {
    io.stderr.write(
      `fanout: ${file} sets variables fanout ignores:\n${inventory.ignored.map((entry) => `  ${entry}\n`).join('')}`,
    );
  }
  if (inventory?.targets.size === 0) {
    throw usageError(selection.join(' '), `selects no target (the inventory ${file} has none)`);
  }
  const excluded = (flags.exclude ?? '')
    .split(',')
    .filter((name) => name !== '')
    .map((name) => `!${name}`);
  const specs = selectTargets(inventory, [...selection, ...excluded]);
  const groups = new Map<string, string>();
  for (const word of selection.filter((each) => each.startsWith('@'))) {
    for (const spec of selectTargets(inventory, [word]))
      if (!groups.has(spec.name)) groups.set(spec.name, word);
  }
  for (const spec of specs) if (!groups.has(spec.name)) groups.set(spec.name, spec.kind);
  const groupOf = (target: string): string => groups.get(target) ?? target;
  if (Object.keys(env).length === 0) return { specs, groupOf };
  return { specs: specs.map((spec) => ({ ...spec, env: { ...spec.env, ...env } })), groupOf };
}
