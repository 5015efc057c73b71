/**
 * `npm run bench:scheduler`: fanout's scheduler against p-limit, p-queue, fastq and p-map, in one run on
 * one machine, each library in a fresh process (bench/scheduler-cases.ts).
 *  S1  1,000,000 immediately-resolving tasks at concurrency 8: ns per task (best of 3 processes × 2 runs);
 *  S1m parallelMap vs p-map over 1,000,000 items (array, then a generator): ns per item;
 *  S4  heap bytes per queued task with 1,000,000 queued behind 8 blocked ones;
 *  S5  RSS (MB) while a 10,000,000-item async generator is mapped at concurrency 8.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CASES = fileURLToPath(new URL('./scheduler-cases.ts', import.meta.url));
const PER_TASK = [
  'fanout limit()',
  'fanout ConcurrencyLimiter',
  'p-limit',
  'p-queue',
  'fastq',
  'minimal semaphore',
];
const MAPS = ['fanout parallelMap', 'p-map'];
const RSS = ['fanout parallelMapIterable', 'fanout parallelMap', 'p-map'];
const ROUNDS = 3;

function runCase(...args: string[]): unknown {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', CASES, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return (JSON.parse(output.trim().split('\n').at(-1)!) as { value: unknown }).value;
}

function table(title: string, unit: string, rows: Array<[string, number]>, baseline: string): void {
  const base = rows.find(([name]) => name === baseline)?.[1];
  console.log(`\n${title}`);
  console.log(`| library | ${unit} | vs ${baseline} |`);
  console.log('|---|---:|---:|');
  for (const [name, value] of rows) {
    const ratio = base ? `${(value / base).toFixed(2)}×` : '';
    console.log(`| ${name} | ${value.toFixed(0)} | ${ratio} |`);
  }
}

/** Best (lowest) figure of ROUNDS fresh processes per library, the libraries taking turns, so a burst of
 * load from elsewhere on a shared machine does not land on one library only. */
function bestOfRounds(names: readonly string[], ...args: string[]): Array<[string, number]> {
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const value = runCase(args[0]!, name, ...args.slice(1)) as number;
      best.set(name, Math.min(best.get(name) ?? Infinity, value));
    }
  }
  return names.map((name) => [name, best.get(name)!]);
}

table(
  `S1: 1,000,000 immediately-resolving tasks, concurrency 8 (best of ${ROUNDS} processes)`,
  'ns/task',
  bestOfRounds(PER_TASK, 'per-task'),
  'p-limit',
);
for (const input of ['array', 'iterable']) {
  table(
    `S1m: map over 1,000,000 items (${input}), concurrency 8 (best of ${ROUNDS} processes)`,
    'ns/item',
    bestOfRounds(MAPS, 'map', input),
    'p-map',
  );
}

const memory = PER_TASK.map((name): [string, number] => [name, runCase('memory', name) as number]);
table('S4: heap per queued task, 1,000,000 queued', 'bytes', memory, 'p-limit');

console.log('\nS5: RSS while mapping a 10,000,000-item async generator, concurrency 8');
console.log('| library | start MB | peak MB | end MB |');
console.log('|---|---:|---:|---:|');
for (const name of RSS) {
  const { start, peak, end } = runCase('rss', name) as { start: number; peak: number; end: number };
  console.log(`| ${name} | ${start.toFixed(0)} | ${peak.toFixed(0)} | ${end.toFixed(0)} |`);
}
console.log(
  `\nnode ${process.version}, ${new Date().toISOString()}, load average ${(await import('node:os'))
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
