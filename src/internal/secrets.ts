import { inspect } from 'node:util';

/** What a registered secret is shown as. */
export const REDACTED = '***';

/**
 * Values shorter than this are not masked: they would mask ordinary text (`1`, `on`, `dev`) everywhere, and
 * are too short to be secrets.
 */
export const MIN_SECRET_LENGTH = 4;

/** Registered values, longest first so that a secret containing another is masked whole. */
let registered: string[] = [];

/**
 * Registers a value whose every occurrence `redactSecrets` masks: in joblogs, JSON output, progress,
 * summaries and error messages. The registry lives as long as the process.
 *
 * @example
 * registerSecret(process.env.API_TOKEN ?? '');
 */
export function registerSecret(value: string): void {
  if (typeof value !== 'string') {
    throw new TypeError(`Expected a secret to be a string, got \`${String(value)}\` (${typeof value})`);
  }
  if (value.length < MIN_SECRET_LENGTH || registered.includes(value)) return;
  registered = [...registered, value].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every registered secret replaced by `***`.
 *
 * @example
 * registerSecret('hunter22'); redactSecrets('pw=hunter22') // 'pw=***'
 */
export function redactSecrets(text: string): string {
  if (registered.length === 0) return text;
  let result = text;
  for (const value of registered) if (result.includes(value)) result = result.replaceAll(value, REDACTED);
  return result;
}

/** True when some secret is registered (callers skip redaction work otherwise). */
export function hasSecrets(): boolean {
  return registered.length > 0;
}

let counter = 0;
const names = new Map<string, string>();

/**
 * A value a `$` command needs but nobody may read: interpolated into a template it reaches the command as
 * one argument through an environment variable of the command (`"$FANOUT_SECRET_1"`), so it is on no
 * argv, in no command line, result or error; printed or serialised it shows `***`. Made by `$.secret()`.
 *
 * @example
 * await $`curl -H ${$.secret(`Authorization: Bearer ${token}`)} https://api.example`;
 */
export class Secret {
  readonly #value: string;
  /** The environment variable that carries the value to the command. */
  readonly variable: string;

  constructor(value: string) {
    registerSecret(value);
    this.#value = value;
    let variable = names.get(value);
    if (variable === undefined) names.set(value, (variable = `FANOUT_SECRET_${++counter}`));
    this.variable = variable;
  }

  /** The value itself. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/**
 * A target URI with a password in it (`ssh://bob:pw@host`), shown with the password masked
 * (`ssh://bob:***@host`); undefined when the URI holds no password.
 *
 * @example
 * maskUriPassword('ssh://bob:pw@web1:22') // 'ssh://bob:***@web1:22'
 */
export function maskUriPassword(uri: string): string | undefined {
  const match = /^((?:[a-z][a-z0-9+.-]*:\/\/)?[^@/:\s]*):[^@/\s]*@/i.exec(uri);
  return match ? `${match[1]}:${REDACTED}@${uri.slice(match[0].length)}` : undefined;
}

/** Why a password in a target URI is refused, for errors. */
export const URI_PASSWORD_REFUSED =
  'a password in a target URI is refused (it would show in logs, output and process lists); use a key or an agent';
