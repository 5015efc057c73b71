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
export const $: RootShell = Object.assign(createShell(localTarget), kindShells, { parallel });
