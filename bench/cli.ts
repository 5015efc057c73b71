/**
 * `npm run bench:cli`: the `fanout` CLI against its peers, in the same run on the same machine.
 *  1. locally: 500 × `true` at concurrency 8 — `fanout jobs` vs `xargs -P 8` vs GNU parallel;
 *  2. over the 8 sshd fixtures (started here): 400 × `true` at concurrency 16 — `fanout jobs` vs
 *     GNU parallel `-S` (2 slots per host, its default of one ssh connection per job).
 * Times are wall clock, including each tool's start-up: medians of 3 runs locally, 1 run over SSH
 * (BENCH_RUNS / BENCH_SSH_RUNS change that).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshFixtures } from '../test/support/sshd.js';
import { CLI, hasCommand, median, printTable, timeShell, type Row } from './support.js';

/** Runs per measurement (the median is kept): 3 locally, 1 over SSH, where GNU parallel takes minutes. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SSH_RUNS = Number(process.env.BENCH_SSH_RUNS ?? 1);

async function measure(name: string, script: string, missing?: string, runs = RUNS): Promise<Row> {
  if (missing) return { name, seconds: undefined, note: missing };
  return { name, seconds: await median(runs, () => timeShell(script)) };
}

async function local(): Promise<void> {
  const jobs = 500;
  const rows = [
    await measure(
      'fanout jobs local -j 8',
      `seq ${jobs} | node ${CLI} jobs local -j 8 --progress none -- true`,
    ),
    await measure('xargs -P 8 -n 1', `seq ${jobs} | xargs -P 8 -n 1 true`),
    await measure(
      'GNU parallel -j 8',
      `seq ${jobs} | parallel --will-cite -j 8 true`,
      hasCommand('parallel') ? undefined : 'GNU parallel not installed',
    ),
  ];
  printTable(`Local: ${jobs} × true, concurrency 8 (median of ${RUNS})`, jobs, rows, 'GNU parallel -j 8');
}

async function ssh(): Promise<void> {
  const jobs = 400;
  const fixtures = await startSshFixtures(8);
  try {
    const { info } = fixtures;
    const inventory = join(info.dir, 'bench-fanout.yaml');
    writeFileSync(
      inventory,
      [
        'defaults:',
        `  ssh: { user: ${info.user}, identityFile: ${info.identityFile}, knownHostsFile: ${info.knownHostsFile}, configFile: false }`,
        'targets:',
        ...info.hosts.map((host, index) => `  h${index + 1}: ssh://${host.host}:${host.port}`),
        '',
      ].join('\n'),
    );
    const logins = info.hosts.map((host) => `2/${host.alias}`).join(',');
    const rows = [
      await measure(
        'fanout jobs @all -j 16',
        `seq ${jobs} | node ${CLI} jobs -i ${inventory} @all -j 16 --progress none -- true`,
        undefined,
        SSH_RUNS,
      ),
      await measure(
        'GNU parallel -S 8 hosts × 2',
        `seq ${jobs} | parallel --will-cite --ssh 'ssh -F ${info.configFile}' -S ${logins} true`,
        hasCommand('parallel') ? undefined : 'GNU parallel not installed',
        SSH_RUNS,
      ),
      await measure(
        'GNU parallel -S … --controlmaster',
        `seq ${jobs} | parallel --will-cite --controlmaster --ssh 'ssh -F ${info.configFile}' -S ${logins} true`,
        hasCommand('parallel') ? undefined : 'GNU parallel not installed',
        SSH_RUNS,
      ),
    ];
    printTable(
      `SSH: ${jobs} × true over 8 sshd fixtures, concurrency 16 (median of ${RUNS})`,
      jobs,
      rows,
      'GNU parallel -S 8 hosts × 2',
    );
  } finally {
    await fixtures.stop();
  }
}

console.log(`fanout CLI benchmark on ${process.platform}, node ${process.version}; ${CLI}`);
await local();
await ssh();
