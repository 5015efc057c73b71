/**
 * The POSIX `sh` scripts fanout runs on a target (only what busybox `sh` has). Both read the command as a
 * line of quoted words (see words.ts), so the command, its directory and its environment never appear on
 * an argv or in a URL, and both report through nonce markers (see markers.ts).
 */

/** Defines `nl`, the newline that quoted words refer to. */
const DEFINE_NL = `nl='\n'`;

/** With `$1 $2` = cwd and command and the rest name/value pairs: enter cwd, export, keep the command in `c`. */
const PREPARE = [
  `d=$1 c=$2; shift 2`,
  `[ -z "$d" ] || cd "$d" 2>/dev/null || { printf '\\036%s:c\\036' "$n"; exit 127; }`,
  `while [ $# -gt 1 ]; do case $1 in -*) unset "\${1#-}";; *) export "$1=$2";; esac; shift 2; done`,
].join('\n');

/**
 * Runs one command on its own exec (a command with stdin, or a target with sessions off). Reads one line,
 * `nonce stdin cwd command [name value]…`, reports its pid (sshd, runc and the local target start each exec
 * as a session leader, so it is also the process group) and becomes `sh -c command`.
 */
export const WRAPPER_SCRIPT = [
  DEFINE_NL,
  `IFS= read -r l || exit 125`,
  `eval "set -- $l"`,
  `n=$1 i=$2; shift 2`,
  `[ "$i" = 1 ] || exec </dev/null`,
  PREPARE,
  `printf '\\036%s:p:%s\\036' "$n" "$$"`,
  `exec sh -c "$c"`,
].join('\n');

/**
 * The session agent. Its first input line is the nonce; then `r cwd command [name value]…` runs a command
 * and `k SIGNAL PGID` signals one. A reader loop takes the kills and hands the runs to a runner, which runs
 * each command in a subshell that becomes its own session and process group (`setsid`), with stdin from
 * /dev/null, and writes the markers: `p` once it has the pid, then `x:status:left` on stdout and `e` on
 * stderr when it has ended. At end-of-file (the controller died or let go) the reader hangs up the agent's
 * own group, and the runner kills the process group of the command it runs.
 */
export const AGENT_SCRIPT = [
  DEFINE_NL,
  `IFS= read -r n || exit 0`,
  `if command -v setsid >/dev/null 2>&1; then S=setsid; elif busybox setsid true 2>/dev/null; then S='busybox setsid'; else S=; fi`,
  `{`,
  `  while IFS= read -r l; do case $l in k*) eval "set -- $l"; kill -$2 -$3 2>/dev/null || kill -$2 $3 2>/dev/null;; *) printf '%s\\n' "$l";; esac; done`,
  `  kill -HUP 0`,
  `} | {`,
  `  p=`,
  `  trap '[ -z "$p" ] || kill -KILL -$p 2>/dev/null; exit 0' HUP`,
  `  while IFS= read -r l; do`,
  `    eval "set -- $l"; shift`,
  `    (`,
  PREPARE,
  `      exec $S sh -c "$c"`,
  `    ) </dev/null &`,
  `    p=$!`,
  `    printf '\\036%s:p:%s\\036' "$n" "$p"`,
  `    wait $p; s=$?`,
  `    kill -0 -$p 2>/dev/null && t=1 || t=0`,
  `    p=`,
  `    printf '\\036%s:x:%s:%s\\036' "$n" "$s" "$t"`,
  `    printf '\\036%s:e\\036' "$n" >&2`,
  `  done`,
  `}`,
].join('\n');

/**
 * The script that signals a process group from outside it (a second exec, or the agent's reader), and the
 * pid alone when it leads no group. Uses the shell builtin (dash's `kill` takes no `--`).
 *
 * @example
 * buildKillScript(42, 'SIGTERM') // 'kill -TERM -42 2>/dev/null || kill -TERM 42 2>/dev/null; exit 0'
 */
export function buildKillScript(pid: number, signal: NodeJS.Signals): string {
  const name = signal.replace(/^SIG/, '');
  return `kill -${name} -${pid} 2>/dev/null || kill -${name} ${pid} 2>/dev/null; exit 0`;
}
