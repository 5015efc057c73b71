import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** True when `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Wall-clock seconds of a shell pipeline run to completion (throws when it fails). */
export function timeShell(script: string): number {
  const start = performance.now();
  execFileSync('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - start) / 1000;
}

/** Wall-clock seconds of an async function. */
export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** The median of several runs. */
export async function median(runs: number, measure: () => Promise<number> | number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await measure());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface Row {
  readonly name: string;
  readonly seconds: number | undefined;
  readonly note?: string;
}

/** Prints a table of timings with jobs/s and the ratio to a baseline row. */
export function printTable(title: string, jobs: number, rows: readonly Row[], baseline: string): void {
  const base = rows.find((row) => row.name === baseline)?.seconds;
  console.log(`\n${title}`);
  console.log(
    `${'runner'.padEnd(34)} ${'seconds'.padStart(8)} ${'jobs/s'.padStart(8)} ${`× ${baseline}`.padStart(12)}`,
  );
  for (const row of rows) {
    if (row.seconds === undefined) {
      console.log(
        `${row.name.padEnd(34)} ${'—'.padStart(8)} ${''.padStart(8)} ${''.padStart(12)}  ${row.note ?? ''}`,
      );
      continue;
    }
    const ratio = base ? (row.seconds / base).toFixed(2) : '';
    console.log(
      `${row.name.padEnd(34)} ${row.seconds.toFixed(3).padStart(8)} ${(jobs / row.seconds).toFixed(0).padStart(8)} ${ratio.padStart(12)}  ${row.note ?? ''}`,
    );
  }
}

/** The built CLI, as the benchmarks run it. */
export const CLI = resolve('dist/cli/main.js');

/** Runs the built CLI with `args`, `input` on its stdin; resolves with its stdout, rejects on a non-zero exit. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdin.end(input);
    child.on('close', (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`fanout ${args[0]} exited ${code}`)),
    );
  });
}
