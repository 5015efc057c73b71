import { execFileSync } from 'node:child_process';

/** Command lines of the processes on this machine whose arguments contain `marker`. */
export function processesMatching(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(marker) && !line.startsWith('ps '));
}

/** A marker unique to this call, to tell a test's processes apart from every other's: `sleep 100.<n>`. */
export function uniqueSleep(): { command: string; marker: string } {
  const marker = `100.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  return { command: `sleep ${marker}`, marker: `sleep ${marker}` };
}

/** Waits until `check` returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until no process carries `marker` (or the time is up) and returns the command lines of those left. */
export async function survivorsOf(marker: string, withinMs = 5000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = processesMatching(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs every process on this machine whose arguments contain `marker`: a test's clean-up. */
export function killMatching(marker: string): void {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [, pid, args] = /^\s*(\d+)\s(.*)$/.exec(line) ?? [];
    if (pid === undefined || !args?.includes(marker) || args.startsWith('ps ')) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
