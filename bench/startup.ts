/**
 * `npm run bench:startup`: what every CLI call and every script pays before its first command. Times
 * `node -e 0`, importing fanout, and `fanout --help` (from dist/, which the npm script builds first), each
 * the median of BENCH_RUNS (default 20) runs, as wall time and as CPU time (user + system of the process,
 * which a busy machine disturbs less than wall time), and prints each one's cost over bare Node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const DIST = resolve('dist');

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * Runs `node args` once from a small `sh`, which then prints its own /proc stat: its cutime and cstime
 * fields are the CPU time of the node process it waited for.
 */
function sample(args: readonly string[]): Sample {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', 'node "$@" >/dev/null && cat /proc/$$/stat', 'sh', ...args], {
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  // After "pid (comm) ", cutime and cstime are the 14th and 15th fields.
  const fields = result.stdout.slice(result.stdout.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return { wallMs, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const cases: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['import fanout', ['--input-type=module', '-e', `await import(${JSON.stringify(`${DIST}/index.js`)})`]],
  ['fanout --help', [`${DIST}/cli/main.js`, '--help']],
];

if (!existsSync(`${DIST}/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` first');
const results = new Map<string, Sample[]>(cases.map(([name]) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  // Interleaved, so that a burst of load on the machine hits every case alike.
  for (const [name, args] of cases) results.get(name)!.push(sample(args));
}
const base = results.get('node -e 0')!;
const baseWall = median(base.map((s) => s.wallMs));
const baseCpu = median(base.map((s) => s.cpuMs));
console.log(`\nStart-up, median of ${RUNS} runs (ms; "over node" = minus bare node -e 0)`);
console.log(
  `${'case'.padEnd(16)} ${'wall'.padStart(8)} ${'over node'.padStart(10)} ${'cpu'.padStart(8)} ${'over node'.padStart(10)}`,
);
for (const [name] of cases) {
  const samples = results.get(name)!;
  const wall = median(samples.map((s) => s.wallMs));
  const cpu = median(samples.map((s) => s.cpuMs));
  console.log(
    `${name.padEnd(16)} ${wall.toFixed(0).padStart(8)} ${(wall - baseWall).toFixed(0).padStart(10)} ${cpu.toFixed(0).padStart(8)} ${(cpu - baseCpu).toFixed(0).padStart(10)}`,
  );
}
