import { Secret } from './internal/secrets.js';
import { parallel } from './shell/parallel.js';
import { createShell, type Shell } from './shell/shell.js';
import { localTarget } from './targets/local.js';
import { createTargetOfKind, TARGET_KINDS, type TargetKindRow } from './targets/registry.js';

type RemoteKind = Exclude<(typeof TARGET_KINDS)[number], { scheme: 'local' }>;

/**
 * A shell per registered kind, from a spec string or its options: `$.ssh('deploy@web1:2222')`,
 * `$.docker('app')`, `$.k8s('namespace/pod:container')`, `$.ssh({ host, user, … })`.
 */
export type KindShells = {
  readonly [K in RemoteKind as K['scheme']]: (spec: string | Parameters<K['normalizeOptions']>[0]) => Shell;
};

/** The root shell: local commands, a shell per target kind, and the parallel helpers. */
export interface RootShell extends Shell, KindShells {
  readonly parallel: typeof parallel;
  /**
   * Marks a value as secret: interpolated into a command it reaches the command through an environment
   * variable (never on an argv), and wherever fanout prints or logs it shows as `***`.
   *
   * @example
   * await $`mysql -p${$.secret(password)} -e 'select 1'`;
   */
  readonly secret: (value: string) => Secret;
}

const kindShells = Object.fromEntries(
  TARGET_KINDS.filter((kind) => kind.scheme !== 'local').map((kind) => [
    kind.scheme,
    (spec: string | object) => createShell(createTargetOfKind(kind as TargetKindRow, spec)),
  ]),
) as unknown as KindShells;

/**
 * Runs a command on this machine; interpolated values are quoted for the shell.
 *
 * @example
 * const files = await $`ls ${directory}`.lines();
 * await $.ssh('deploy@web1')`systemctl restart ${service}`;
 */
export const $: RootShell = Object.assign(createShell(localTarget), kindShells, {
  parallel,
  secret: (value: string) => new Secret(value),
});
