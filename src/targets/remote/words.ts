import { SpawnError } from '../../errors.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes one word for a line that the remote `sh` reads with `read -r` and then `eval`s: single quotes
 * for everything, and a newline written as `"$nl"` (a variable the scripts define) so that the line stays
 * one line.
 *
 * @example
 * quoteWord("it's\nok") // 'it'\''s'"$nl"'ok'
 */
export function quoteWord(value: string): string {
  return `'${value.replaceAll("'", `'\\''`).replaceAll('\n', `'"$nl"'`)}'`;
}

/** What a remote shell needs to run one command, sent as one line: never on an argv or in a URL. */
export interface CommandLine {
  readonly command: string;
  /** Entered before the command starts; empty for the shell's own directory. */
  readonly cwd: string;
  /** Variables to export; `undefined` unsets the variable. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The words that the wrapper and the agent read for one command: cwd, command, then name/value pairs (an
 * unset is `-NAME ''`). Throws a SpawnError naming the target for a name `sh` cannot export or a NUL byte.
 *
 * @example
 * encodeCommandWords({ command: 'ls', cwd: '/srv', env: { A: '1' } }, 'local') // "'/srv' 'ls' 'A' '1'"
 */
export function encodeCommandWords(line: CommandLine, target: string): string {
  const fail = (what: string): never => {
    throw new SpawnError(`Cannot start command on ${target}: ${what}: ${line.command}`, {
      code: 'SPAWN_FAILED',
      target,
      command: line.command,
    });
  };
  const words = [quoteWord(line.cwd), quoteWord(line.command)];
  for (const [name, value] of Object.entries(line.env)) {
    if (!ENV_NAME.test(name)) fail(`\`${name}\` is not an environment variable name a shell can export`);
    words.push(value === undefined ? `-${name} ''` : `${name} ${quoteWord(value)}`);
  }
  const text = words.join(' ');
  if (text.includes('\0')) fail('a NUL byte cannot be passed to a shell');
  return text;
}
