/**
 * One benchmark case per process (run by bench/scheduler.ts): `tsx bench/scheduler-cases.ts <case>`
 * prints one JSON line. A fresh process per library keeps one library's garbage and JIT state out of
 * another's figures. Needs `--expose-gc` for the memory cases.
 */
import fastq from 'fastq';
import pLimit from 'p-limit';
import pMap from 'p-map';
import PQueue from 'p-queue';
import { ConcurrencyLimiter, limit, parallelMap, parallelMapIterable } from '../src/parallel/index.js';

const CONCURRENCY = 8;
const TASKS = 1_000_000;
const RUNS = 2;
const task = (): Promise<number> => Promise.resolve(1);
const never = new Promise<number>(() => undefined);
const blocked = (): Promise<number> => never;

type Run = (fn: () => Promise<number>) => Promise<number>;

/** A minimal semaphore with a ring-buffer queue: the floor a per-task API can hope for. */
function minimalSemaphore(concurrency: number): Run {
  let active = 0;
  let head = 0;
  const waiting: Array<() => void> = [];
  const next = (): void => {
    active--;
    if (head < waiting.length) {
      const wake = waiting[head]!;
      waiting[head++] = undefined as never;
      if (head === waiting.length) waiting.length = head = 0;
      wake();
    }
  };
  return async (fn) => {
    if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      next();
    }
  };
}

const runners: Record<string, () => Run> = {
  'fanout limit()': () => limit(CONCURRENCY),
  'fanout ConcurrencyLimiter': () => {
    const limiter = new ConcurrencyLimiter(CONCURRENCY);
    return (fn) => limiter.run(fn);
  },
  'p-limit': () => pLimit(CONCURRENCY),
  'p-queue': () => {
    const queue = new PQueue({ concurrency: CONCURRENCY });
    return (fn) => queue.add(fn) as Promise<number>;
  },
  fastq: () => {
    const queue = fastq.promise((fn: () => Promise<number>) => fn(), CONCURRENCY);
    return (fn) => queue.push(fn);
  },
  'minimal semaphore': () => minimalSemaphore(CONCURRENCY),
};

const items = Array.from({ length: TASKS }, (_, i) => i);
const mapper = (item: number): Promise<number> => Promise.resolve(item);
function* iterable(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}
async function* asyncItems(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

const mappers: Record<string, (count: number, input: 'array' | 'iterable') => Promise<unknown>> = {
  'fanout parallelMap': (count, input) =>
    parallelMap(input === 'array' ? items.slice(0, count) : iterable(count), mapper, CONCURRENCY),
  'p-map': (count, input) =>
    pMap(input === 'array' ? items.slice(0, count) : iterable(count), mapper, { concurrency: CONCURRENCY }),
};

async function timePerTask(name: string): Promise<number> {
  const make = runners[name]!;
  const once = async (count: number): Promise<number> => {
    const run = make();
    const promises = new Array<Promise<number>>(count);
    const start = performance.now();
    for (let i = 0; i < count; i++) promises[i] = run(task);
    await Promise.all(promises);
    return ((performance.now() - start) * 1e6) / count;
  };
  await once(100_000);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(TASKS));
  return Math.min(...times);
}

async function timeMap(name: string, input: 'array' | 'iterable'): Promise<number> {
  const run = mappers[name]!;
  await run(100_000, input);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run(TASKS, input);
    times.push(((performance.now() - start) * 1e6) / TASKS);
  }
  return Math.min(...times);
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes per queued task: 1M calls waiting behind 8 that never finish, their promises kept. */
async function bytesPerQueued(name: string): Promise<number> {
  const run = runners[name]!();
  const promises = new Array<Promise<number>>(TASKS);
  for (let i = 0; i < CONCURRENCY; i++) void run(blocked);
  await new Promise((resolve) => setImmediate(resolve));
  const before = heapAfterGc();
  for (let i = 0; i < TASKS; i++) promises[i] = run(task);
  await new Promise((resolve) => setImmediate(resolve));
  const after = heapAfterGc();
  // The promises array (8 B a slot) is the harness's, not the library's.
  return (after - before) / TASKS - 8;
}

/** RSS in MB sampled every million items while a 10M-item async generator is mapped. */
async function rssWhileMapping(name: string): Promise<{ start: number; peak: number; end: number }> {
  const count = 10_000_000;
  const mb = (): number => process.memoryUsage().rss / 2 ** 20;
  const samples: number[] = [mb()];
  const sample = (item: number): Promise<number> => {
    if (item % 1_000_000 === 0) samples.push(mb());
    return Promise.resolve(item);
  };
  if (name === 'fanout parallelMapIterable') {
    for await (const _ of parallelMapIterable(asyncItems(count), sample, CONCURRENCY)) void _;
  } else if (name === 'fanout parallelMap') {
    await parallelMap(asyncItems(count), sample, CONCURRENCY);
  } else {
    await pMap(asyncItems(count), sample, { concurrency: CONCURRENCY });
  }
  samples.push(mb());
  return { start: samples[0]!, peak: Math.max(...samples), end: samples.at(-1)! };
}

const [kind, name, input] = process.argv.slice(2);
let value: unknown;
if (kind === 'per-task') value = await timePerTask(name!);
else if (kind === 'map') value = await timeMap(name!, input as 'array' | 'iterable');
else if (kind === 'memory') value = await bytesPerQueued(name!);
else if (kind === 'rss') value = await rssWhileMapping(name!);
else throw new Error(`Unknown case ${kind}`);
process.stdout.write(`${JSON.stringify({ kind, name, input, value })}\n`);
process.exit(0);
