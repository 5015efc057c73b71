// npm run bench:local — 500 × `true` and 200 × `sleep 0.05` at concurrency 8: fanout's `$` with its limiter
// beside xargs -P 8, GNU parallel, a bare Node spawn loop and zx + p-limit, in the same run. The in-process
// rows time the jobs alone; `own process` times a Node process on the built package, start-up included.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import { $ as zx } from 'zx';
import { $, limit } from '../src/index.js';
import { hasCommand, median, printTable, timeAsync, timeShell, type Row } from './support.js';

const CONCURRENCY = 8;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function runPool(count: number, run: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await run(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function bareSpawn(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

async function workload(name: string, count: number, command: string, xargsArg: string): Promise<void> {
  const rows: Row[] = [];
  const seq = `seq 1 ${count}`;
  rows.push({
    name: 'xargs -P 8',
    seconds: await median(RUNS, () => timeShell(`${seq} | xargs -P ${CONCURRENCY} -n 1 ${xargsArg}`)),
  });
  rows.push(
    hasCommand('parallel')
      ? {
          name: 'GNU parallel -j8',
          seconds: await median(RUNS, () =>
            timeShell(`${seq} | parallel --will-cite -j${CONCURRENCY} '${command}; : {}' >/dev/null`),
          ),
        }
      : { name: 'GNU parallel -j8', seconds: undefined, note: 'not installed' },
  );
  rows.push({
    name: 'bare Node spawn loop',
    seconds: await median(RUNS, () => timeAsync(() => runPool(count, () => bareSpawn(command)))),
  });
  const pLimited = pLimit(CONCURRENCY);
  zx.verbose = false;
  rows.push({
    name: 'zx + p-limit',
    seconds: await median(RUNS, () =>
      timeAsync(() =>
        Promise.all(Array.from({ length: count }, () => pLimited(() => zx`sh -c ${command}`.quiet()))),
      ),
    ),
  });
  const ours = limit(CONCURRENCY);
  rows.push({
    name: 'fanout $ + limit(8)',
    seconds: await median(RUNS, () =>
      timeAsync(() => Promise.all(Array.from({ length: count }, () => ours(() => $.run(command))))),
    ),
  });
  // As a script runs it: a Node process of its own on the built package, start-up and import included.
  const script = `import(${JSON.stringify(pathToFileURL(resolve('dist/index.js')).href)}).then(async ({ $, limit }) => {
    const run = limit(${CONCURRENCY});
    await Promise.all(Array.from({ length: ${count} }, () => run(() => $.run(${JSON.stringify(command)}))));
    process.exit(0);
  })`;
  rows.push({
    name: 'fanout $ + limit(8), own process',
    seconds: await median(RUNS, () => timeShell(`${process.execPath} -e '${script}'`)),
  });
  printTable(
    `${name}: ${count} jobs at concurrency ${CONCURRENCY} (median of ${RUNS})`,
    count,
    rows,
    'xargs -P 8',
  );
}

await workload('true', 500, 'true', 'true');
await workload('sleep 0.05', 200, 'sleep 0.05', 'sh -c "sleep 0.05" _');
