import { localAbout } from './about.js';
import { dockerKind } from './docker/index.js';
import { kubernetesKind } from './kubernetes/index.js';
import { LocalTarget, localTarget, normalizeLocalOptions } from './local.js';
import { sshKind } from './ssh/index.js';
import type { Target } from './target.js';

/**
 * One kind of target, as one row of data. Everything outside the kind's folder — `$.<scheme>`, URI
 * resolution, the inventory's kinds and option checks, the CLI help — reads these rows; none names a kind.
 *
 * @example
 * const row = findTargetKind('ssh://deploy@web1')!;
 * const target = row.create(row.normalizeOptions({ ...row.parseSpec('ssh://deploy@web1'), port: 2222 }));
 */
export interface TargetKindRow<Options extends object = object, Normalized = unknown> {
  /** The URI scheme (`ssh` in `ssh://…`), the inventory's kind and the `$.<scheme>` shell. */
  readonly scheme: string;
  /** How a URI of the kind looks, for help and errors: `ssh://user@host:port`. */
  readonly uriForm: string;
  /** What a target of the kind is, for help: `an SSH host`. */
  readonly summary: string;
  /** Options an inventory may set on a target of the kind, and in `defaults.<scheme>`. */
  readonly optionKeys: readonly string[];
  /**
   * Why an option an inventory sets weakens security (`turns off host-key checking`), or undefined when it
   * does not: such options need the command line's `--allow-insecure`. Default: none does.
   */
  readonly insecureOption?: (key: string, value: unknown) => string | undefined;
  /** A URI or the kind's short form (`user@host:port`) → options; throws on a malformed spec. */
  parseSpec(spec: string): Options;
  /** Checks options once and fills in what they imply; throws naming the bad option. */
  normalizeOptions(options: Options): Normalized;
  /** Makes the target. It connects on its first command, so a kind's transport loads only then. */
  create(options: Normalized): Target;
}

/** A local target without session agents, shared like `localTarget`. */
let sessionless: LocalTarget | undefined;

/** This machine: `local` (or `local://`); takes no options other than `session`. */
export const localKind = {
  ...localAbout,
  optionKeys: ['session'],
  parseSpec: (): { session?: boolean } => ({}),
  normalizeOptions: normalizeLocalOptions,
  create: (options: { session?: boolean }): Target =>
    options.session === false ? (sessionless ??= new LocalTarget({ session: false })) : localTarget,
} satisfies TargetKindRow<{ session?: boolean }>;

/** Every kind of target, local first. */
export const TARGET_KINDS = [localKind, sshKind, dockerKind, kubernetesKind] as const;

/** The scheme of a registered kind: `'local' | 'ssh' | 'docker' | 'k8s'`. */
export type TargetScheme = (typeof TARGET_KINDS)[number]['scheme'];

/**
 * The kind a URI names (`local`, `ssh://…`, …), or undefined when it names none.
 *
 * @example
 * findTargetKind('docker://app')?.scheme // 'docker'
 */
export function findTargetKind(uri: string): (typeof TARGET_KINDS)[number] | undefined {
  if (uri === 'local' || uri === 'local://') return localKind;
  return TARGET_KINDS.find(
    (kind) => uri.length > kind.scheme.length + 3 && uri.startsWith(`${kind.scheme}://`),
  );
}

/**
 * The kind registered under `scheme`, or undefined.
 *
 * @example
 * getTargetKind('k8s')?.optionKeys
 */
export function getTargetKind(scheme: string): (typeof TARGET_KINDS)[number] | undefined {
  return TARGET_KINDS.find((kind) => kind.scheme === scheme);
}

/**
 * The URI forms of every kind, for messages: `local, ssh://user@host:port, … or k8s://…`.
 *
 * @example
 * throw new Error(`expected ${describeTargetUris()}`);
 */
export function describeTargetUris(): string {
  const forms = TARGET_KINDS.map((kind) => kind.uriForm);
  return `${forms.slice(0, -1).join(', ')} or ${forms.at(-1)}`;
}

/**
 * Makes a target of a kind from a spec string or an options object, through the kind's row.
 *
 * @example
 * const web = createTargetOfKind(sshKind, 'deploy@web1:2222');
 */
export function createTargetOfKind<Options extends object, Normalized>(
  kind: TargetKindRow<Options, Normalized>,
  spec: string | Options,
): Target {
  const options = typeof spec === 'string' ? kind.parseSpec(spec) : spec;
  return kind.create(kind.normalizeOptions(options));
}
