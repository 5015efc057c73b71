import type { SpawnRequest } from '../target.js';

/**
 * The script the pod's `sh` runs around the command, with the command, the working directory and the
 * `NAME=value` pairs as its positional arguments (so nothing needs quoting). It reports its pid and
 * process group as the first stdout line, then becomes the command. A missing directory is reported on
 * that line instead.
 */
const WRAPPER = [
  'c=$1 d=$2; shift 2',
  'for v in "$@"; do export "$v"; done',
  'if [ -n "$d" ] && ! cd -- "$d" 2>/dev/null; then echo "fanout-k8s nocwd"; exit 126; fi',
  'g=; read -r _ _ _ _ g _ 2>/dev/null </proc/$$/stat',
  'echo "fanout-k8s $$ ${g:-$$}"',
  'exec sh -c "$c"',
].join('\n');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The exec argv that runs `request.command` in its working directory and environment.
 *
 * @example
 * buildExecArgv({ command: 'ls', cwd: '/srv', env: { A: '1' }, … }) // ['sh', '-c', WRAPPER, 'fanout', 'ls', '/srv', 'A=1']
 */
export function buildExecArgv(request: Pick<SpawnRequest, 'command' | 'cwd' | 'env'>): string[] {
  const pairs = Object.entries(request.env).map(([name, value]) => `${name}=${value}`);
  return ['sh', '-c', WRAPPER, 'fanout', request.command, request.cwd ?? '', ...pairs];
}

/** The first environment variable name `sh` cannot export, if any. */
export function findInvalidEnvName(env: Readonly<Record<string, string>>): string | undefined {
  return Object.keys(env).find((name) => !ENV_NAME.test(name));
}

/** What the wrapper's first line says. */
export type WrapperHeader =
  { readonly kind: 'started'; readonly pid: number; readonly pgid: number } | { readonly kind: 'nocwd' };

/**
 * Reads the wrapper's first stdout line (without its newline).
 *
 * @example
 * parseWrapperHeader('fanout-k8s 42 42') // { kind: 'started', pid: 42, pgid: 42 }
 */
export function parseWrapperHeader(line: string): WrapperHeader | undefined {
  if (line === 'fanout-k8s nocwd') return { kind: 'nocwd' };
  const match = /^fanout-k8s (\d+) (\d+)$/.exec(line);
  if (!match) return undefined;
  return { kind: 'started', pid: Number(match[1]), pgid: Number(match[2]) };
}

/**
 * The argv of the second exec that signals a started command: its whole process group when it leads one
 * (runc makes every exec a session leader), else only its pid. Uses the shell builtin: slim images have no
 * `kill` executable.
 *
 * @example
 * buildKillArgv({ pid: 42, pgid: 42 }, 'SIGTERM') // ['sh', '-c', 'kill -TERM -42 2>/dev/null || kill -TERM 42']
 */
export function buildKillArgv(started: { pid: number; pgid: number }, signal: NodeJS.Signals): string[] {
  const name = signal.replace(/^SIG/, '');
  const { pid, pgid } = started;
  // Without /proc the wrapper reports its pid as the group: fall back to the pid when that group is absent.
  const script =
    pgid === pid ? `kill -${name} -${pgid} 2>/dev/null || kill -${name} ${pid}` : `kill -${name} ${pid}`;
  return ['sh', '-c', script];
}
