import type { Target } from '../targets/target.js';

/** A fleet member: a target under a name of its own, with a weight (how much work it takes on). */
export interface FleetTarget {
  /** Names the member in events, reports and joblogs. Default: the target's `id`. */
  readonly name: string;
  readonly target: Target;
  /** Relative capacity: a member of weight 2 gets twice the jobs and slots of one of weight 1. Default: 1. */
  readonly weight: number;
  /** Variables added to the environment of every job on this member (never on an argv). Default: none. */
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/** A member as callers give it: a bare target, or a target with a name, weight and environment. */
export type FleetMember =
  | Target
  | {
      readonly name?: string;
      readonly target: Target;
      readonly weight?: number;
      readonly env?: Readonly<Record<string, string>>;
    };

function isTarget(value: unknown): value is Target {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Target).spawn === 'function' &&
    typeof (value as Target).id === 'string'
  );
}

/**
 * Checks the members once and gives each a unique name and a weight.
 *
 * @example
 * normalizeMembers([{ name: 'alpha', target: localTarget }, { name: 'beta', target: localTarget, weight: 2 }]);
 */
export function normalizeMembers(members: readonly FleetMember[]): FleetTarget[] {
  if (!Array.isArray(members) || members.length === 0) {
    throw new TypeError('Expected `targets` to be a non-empty array of targets');
  }
  const names = new Set<string>();
  return members.map((member, index) => {
    const entry = isTarget(member) ? { target: member } : member;
    if (!isTarget(entry.target)) {
      throw new TypeError(`Expected \`targets[${index}]\` to be a target or { name?, target, weight? }`);
    }
    const weight = ('weight' in entry ? entry.weight : undefined) ?? 1;
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight > 0)) {
      throw new TypeError(
        `Expected \`targets[${index}].weight\` to be a number above 0, got \`${String(weight)}\` (${typeof weight})`,
      );
    }
    const name = ('name' in entry ? entry.name : undefined) ?? entry.target.id;
    if (names.has(name)) {
      throw new TypeError(
        `Expected target names to be unique; \`${name}\` appears twice: give members a name`,
      );
    }
    names.add(name);
    const env = 'env' in entry ? entry.env : undefined;
    if (
      env !== undefined &&
      (typeof env !== 'object' ||
        env === null ||
        Object.values(env).some((value) => typeof value !== 'string'))
    ) {
      throw new TypeError(`Expected \`targets[${index}].env\` to be an object of strings`);
    }
    return { name, target: entry.target, weight, ...(env === undefined ? {} : { env }) };
  });
}
