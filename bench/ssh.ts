/**
 * `npm run bench:ssh`: fanout's SSH target beside OpenSSH + xargs (with and without ControlPersist), pssh,
 * pdsh, GNU parallel -S and a bare ssh2 loop, in the same run, against the same 8 local sshd fixtures.
 *
 * W2: `echo hi` once on each of 8 fresh hosts (new connections). W3: 400 commands spread over the 8 hosts at
 * concurrency 16, connections opened inside the measurement. Prints the median wall time of each and the
 * ratio to fanout. The in-process tools get an untimed warm-up run each and then alternate run by run. BENCH_RUNS (default 3) sets the runs per cell of the in-process tools (fanout, bare
 * ssh2), BENCH_PEER_RUNS (default 1) those of the others.
 */
import { $ } from '../src/dollar.js';
import { closeSshConnections } from '../src/targets/ssh/index.js';
import type { SshTargetOptions } from '../src/targets/ssh/index.js';
import { startSshFixtures, type SshFixtureInfo } from '../test/support/sshd.js';
import { createPeers, stopControlMasters, type Peer, type Workload } from './ssh-peers.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The OpenSSH-based peers take minutes per W3 run on a busy 2-core machine. */
const PEER_RUNS = Number(process.env.BENCH_PEER_RUNS ?? 1);

function fanoutPeer(info: SshFixtureInfo): Peer {
  const options = (index: number): SshTargetOptions => {
    const host = info.hosts[index]!;
    return {
      host: host.host,
      port: host.port,
      user: host.user,
      identityFile: info.identityFile,
      knownHostsFile: info.knownHostsFile,
      configFile: false,
      agent: false,
    };
  };
  return {
    name: 'fanout $.ssh',
    inProcess: true,
    async run(_, workload) {
      const shells = info.hosts.map((_, index) => $.ssh(options(index)));
      let ok = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: workload.concurrency }, async () => {
          while (next < workload.jobs.length) {
            const [host, arg] = workload.jobs[next++]!;
            if ((await shells[host]!`echo ${arg}`.text()) === arg) ok++;
          }
        }),
      );
      await closeSshConnections();
      return ok;
    },
  };
}

/** One timed run: seconds, or why the cell cannot be a number. */
async function timeRun(peer: Peer, info: SshFixtureInfo, workload: Workload): Promise<number | string> {
  const started = performance.now();
  let ok: number;
  try {
    ok = await peer.run(info, workload);
  } catch (error) {
    return `failed: ${(error as Error).message.split('\n')[0]!.slice(0, 60)}`;
  } finally {
    if (peer.name.includes('ControlPersist')) await stopControlMasters(info);
  }
  if (ok !== workload.jobs.length) return `wrong: ${ok}/${workload.jobs.length} correct`;
  return (performance.now() - started) / 1000;
}

function medianCell(times: Array<number | string>): string {
  const failure = times.find((time) => typeof time === 'string');
  if (failure !== undefined) return failure as string;
  const sorted = (times as number[]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!.toFixed(2);
}

/**
 * The in-process peers share one Node process, so each is first run once untimed (JIT, module code paths,
 * the sshd fixtures' page cache) and then their runs are interleaved, in an order that alternates, so that
 * neither is always the cold one or always runs right after the other's load.
 */
async function measureInProcess(peers: Peer[], info: SshFixtureInfo, workload: Workload): Promise<string[]> {
  const times = peers.map(() => [] as Array<number | string>);
  for (const peer of peers) await timeRun(peer, info, workload);
  for (let run = 0; run < RUNS; run++) {
    const order = peers.map((_, index) => index);
    if (run % 2 === 1) order.reverse();
    for (const index of order) times[index]!.push(await timeRun(peers[index]!, info, workload));
  }
  return times.map(medianCell);
}

async function measure(peer: Peer, info: SshFixtureInfo, workload: Workload): Promise<string> {
  if (peer.missing) return `skipped (${peer.missing})`;
  const times: Array<number | string> = [];
  for (let run = 0; run < PEER_RUNS; run++) {
    const time = await timeRun(peer, info, workload);
    times.push(time);
    if (typeof time === 'string') break;
  }
  return medianCell(times);
}

async function main(): Promise<void> {
  const fixtures = await startSshFixtures(8);
  const { info } = fixtures;
  try {
    const hosts = info.hosts.length;
    const workloads: Workload[] = [
      { name: 'W2', jobs: info.hosts.map((_, i) => [i, 'hi'] as const), concurrency: hosts },
      {
        name: 'W3',
        jobs: Array.from({ length: 400 }, (_, i) => [i % hosts, `n${i}`] as const),
        concurrency: 16,
      },
    ];
    const peers = [fanoutPeer(info), ...createPeers(info)];
    const inProcess = peers.filter((peer) => peer.inProcess);
    const cells = new Map<Peer, string[]>(peers.map((peer) => [peer, []]));
    for (const workload of workloads) {
      const medians = await measureInProcess(inProcess, info, workload);
      inProcess.forEach((peer, index) => cells.get(peer)!.push(medians[index]!));
    }
    const rows: Array<[string, string, string]> = [];
    for (const peer of peers) {
      const row = cells.get(peer)!;
      if (!peer.inProcess) for (const workload of workloads) row.push(await measure(peer, info, workload));
      rows.push([peer.name, row[0]!, row[1]!]);
      console.error(`${peer.name}: W2 ${row[0]} s, W3 ${row[1]} s`);
    }
    const base = rows[0]!;
    const ratio = (cell: string, reference: string) =>
      Number.isFinite(Number(cell)) ? `${(Number(cell) / Number(reference)).toFixed(2)}×` : '';
    const width = Math.max(...rows.map((row) => row[0].length));
    console.log(
      `\nSSH benchmark, ${hosts} sshd fixtures on loopback, median of ${RUNS} runs in-process, ${PEER_RUNS} for the others (seconds; ratio = tool / fanout)`,
    );
    console.log(
      `${'tool'.padEnd(width)}  ${'W2 s'.padStart(8)} ${'ratio'.padStart(7)}  ${'W3 s'.padStart(8)} ${'ratio'.padStart(7)}`,
    );
    for (const [name, w2, w3] of rows) {
      const cell = (value: string) => (Number.isFinite(Number(value)) ? value.padStart(8) : value);
      console.log(
        `${name.padEnd(width)}  ${cell(w2)} ${ratio(w2, base[1]).padStart(7)}  ${cell(w3)} ${ratio(w3, base[2]).padStart(7)}`,
      );
    }
  } finally {
    await closeSshConnections();
    await fixtures.stop();
  }
}

await main();
