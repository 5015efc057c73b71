import { quote } from '../../internal/quote.js';

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

/** Signals a kill of the command's group may carry: the wrapper and its guard outlive them. */
const HELD = 'HUP INT QUIT TERM USR1 USR2 ALRM PIPE';

/**
 * Runs one command on its own exec (a command with stdin, or a target with sessions off). Reads one line,
 * `nonce stdin cwd command [name value]…`, reports its pid (sshd, runc and the local target start each exec
 * as a session leader, so it is also the process group) and runs `sh -c command` in that group, beside a
 * guard that kills the group once the controller is gone: without stdin, the guard reads the control
 * stream, which the controller keeps open until the command has ended, and acts on its end; with stdin
 * (whose end is the input's, no sign), it writes an `h` marker every second and acts when that fails. The
 * wrapper and the guard outlive the signals a kill sends the group; the wrapper exits with the command's
 * status (128 + n for a signal).
 */
export const WRAPPER_SCRIPT = [
  DEFINE_NL,
  `IFS= read -r l || exit 125`,
  `eval "set -- $l"`,
  `n=$1 i=$2; shift 2`,
  PREPARE,
  `printf '\\036%s:p:%s\\036' "$n" "$$"`,
  `if [ "$i" = 1 ]; then`,
  `  { trap '' ${HELD}; while :; do sleep 1 </dev/null >/dev/null 2>&1; printf '\\036%s:h\\036' "$n" || break; done; kill -KILL 0; } </dev/null &`,
  `else`,
  `  exec 3<&0 </dev/null`,
  `  { trap '' ${HELD}; while IFS= read -r l; do :; done; kill -KILL 0; } <&3 >/dev/null 2>&1 &`,
  `  exec 3<&-`,
  `fi`,
  `w=$!`,
  `trap : ${HELD}`,
  `sh -c "$c"`,
  `s=$?`,
  `kill -KILL $w 2>/dev/null`,
  `exit $s`,
].join('\n');

/**
 * The session agent. Its first input line is the nonce; then `r cwd command [name value]…` runs a command
 * and `k SIGNAL PGID` signals one. A reader loop takes the kills and hands the runs to a runner, which runs
 * each command in a subshell that is its own process group, with stdin from /dev/null, and writes the
 * markers: `p` once it has the pid, then `x:status:left` on stdout and `e` on stderr when it has ended. At
 * end-of-file (the controller died or let go) the reader hangs up the agent's own group, and the runner
 * kills the process group of the command it runs.
 *
 * Under bash (see AGENT_LAUNCH) the runner (only: a pipeline under job control would be a group of its own) uses job control (`set -m`), which gives each background subshell
 * a process group of its own for the price of a fork, and leaves SIGINT and SIGQUIT to the command; its job
 * reports go to /dev/null, the commands' stderr to the agent's. Under other shells the subshell becomes a
 * session of its own through `setsid`, one more program start per command.
 */
export const AGENT_SCRIPT = [
  DEFINE_NL,
  `IFS= read -r n || exit 0`,
  `if [ -n "\${BASH_VERSION-}" ]; then S=; elif command -v setsid >/dev/null 2>&1; then S=setsid; elif busybox setsid true 2>/dev/null; then S='busybox setsid'; else S=; fi`,
  `{`,
  `  while IFS= read -r l; do case $l in k*) eval "set -- $l"; kill -$2 -$3 2>/dev/null || kill -$2 $3 2>/dev/null;; *) printf '%s\\n' "$l";; esac; done`,
  `  kill -HUP 0`,
  `} | {`,
  `  exec 3>&2 2>/dev/null`,
  `  [ -z "\${BASH_VERSION-}" ] || set -m`,
  `  p=`,
  `  trap '[ -z "$p" ] || kill -KILL -$p 2>/dev/null; exit 0' HUP`,
  `  while IFS= read -r l; do`,
  `    eval "set -- $l"; shift`,
  `    (`,
  PREPARE,
  `      exec $S sh -c "$c" 2>&3 3>&-`,
  `    ) </dev/null &`,
  `    p=$!`,
  `    printf '\\036%s:p:%s\\036' "$n" "$p"`,
  `    wait $p; s=$?`,
  `    kill -0 -$p 2>/dev/null && t=1 || t=0`,
  `    p=`,
  `    printf '\\036%s:x:%s:%s\\036' "$n" "$s" "$t"`,
  `    printf '\\036%s:e\\036' "$n" >&3`,
  `  done`,
  `}`,
].join('\n');

/**
 * Starts AGENT_SCRIPT under bash when the target has it (and no variable that makes bash read files or
 * change its options at start-up is set), else under the `sh` that runs this line. Commands run with
 * `sh -c` either way.
 */
export const AGENT_LAUNCH = [
  `a=${quote(AGENT_SCRIPT)}`,
  `if [ -z "\${BASH_ENV-}\${SHELLOPTS-}\${BASHOPTS-}" ] && command -v bash >/dev/null 2>&1; then exec bash -c "$a"; fi`,
  `eval "$a"`,
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
