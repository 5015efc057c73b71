/**
 * `npm run bench:fleet [-- --hosts 64,256] [-- --x10 64,256] [-- --x10-peers best|all] [-- --cap 600]`:
 * `uptime` once on N real sshd, each behind a proxy adding 20 ms ± 5 ms each way (one fleet of the largest
 * N, started once), run by fanout (`run`), pssh, pdsh, ansible and GNU parallel at parallelism 64; then 10
 * commands per host: fanout `jobs` (session agents, on by default), the best single-command peer run 10
 * times (every peer with `--x10-peers all`; otherwise the others are shown as 10 × their one run, marked
 * projected), and OpenSSH with ControlPersist. Each case runs under GNU time: wall seconds, CPU seconds of
 * the controller and all its children (ssh processes included), and the peak RSS of its largest process.
 * Every output is checked for one `load average` line per command; a runner that loses hosts is reported
 * as such. fanout runs with bench/fleet-probe.mjs loaded, which records the controller's peak RSS, file
 * descriptors, TCP connections and timers; against a run on one host, these give the cost per host and per connection.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet, type Fleet } from '../test/support/fleet-fixtures.js';
import { startSshFixtures } from '../test/support/sshd.js';
import { CLI, hasCommand } from './support.js';

const PARALLELISM = 64;
/** A case still running after this long is killed and reported as such (`--cap SECONDS`). */
const CAP_SECONDS = option('cap', '600')[0]!;
const PROBE = fileURLToPath(new URL('./fleet-probe.mjs', import.meta.url));
/** `--x10-peers all` runs every peer 10 times (slow: ansible and GNU parallel take minutes at 256 hosts). */
const X10_ALL_PEERS = process.argv.includes('--x10-peers') && process.argv.includes('all');

function option(name: string, fallback: string): number[] {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1]! : fallback;
  return value === '' ? [] : value.split(',').map(Number);
}

interface Measured {
  readonly wall: number;
  readonly cpu: number;
  readonly rssMb: number;
  readonly complete: number;
  readonly expected: number;
  readonly error?: string;
  /** Controller peaks from bench/fleet-probe.mjs (fanout only). */
  readonly probe?: Probe;
  /** Not run: 10 × one measured run. */
  readonly projected?: boolean;
}

interface Probe {
  readonly rssMb: number;
  readonly heapMb: number;
  readonly fds: number;
  /** Socket descriptors: one per SSH connection, busy or idle. */
  readonly sockets: number;
  /** TCP handles keeping the event loop alive: the busy connections. */
  readonly tcp: number;
  readonly timers: number;
}

/** The fanout CLI with the probe loaded; its peaks are written to `probeFile`. */
function fanoutCli(probeFile: string): string {
  return `FANOUT_PROBE_FILE=${probeFile} node --import ${PROBE} ${CLI}`;
}

function readProbe(file: string): Probe | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Probe;
  } catch {
    return undefined;
  }
}

/**
 * Runs a shell line under GNU time; counts `load average` lines in its stdout. With `probeFile`, the
 * line runs `fanoutCli(probeFile)` and its peaks are read back.
 */
function measure(
  line: string,
  expected: number,
  env: Record<string, string> = {},
  probeFile?: string,
): Promise<Measured> {
  if (probeFile) rmSync(probeFile, { force: true });
  return new Promise((resolvePromise) => {
    const timeFile = join(work, 'time.out');
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', 'sh', '-c', line], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let capped = false;
    const cap = setTimeout(() => {
      capped = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, CAP_SECONDS * 1000);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(cap);
      if (capped) {
        return resolvePromise({
          wall: CAP_SECONDS,
          cpu: NaN,
          rssMb: NaN,
          complete: 0,
          expected,
          error: `killed after ${CAP_SECONDS} s`,
        });
      }
      const fields = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      const [wall, user, system, rssKb] = fields as [number, number, number, number];
      const complete = out.split('\n').filter((text) => text.includes('load average')).length;
      const probe = probeFile ? readProbe(probeFile) : undefined;
      resolvePromise({
        wall,
        cpu: user + system,
        rssMb: rssKb / 1024,
        complete,
        expected,
        ...(probe ? { probe } : {}),
        ...(code === 0 ? {} : { error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' / ')}` }),
      });
    });
  });
}

/** Runs `once` `times` times in a row: wall and CPU time add up, RSS is the largest. */
async function measureRepeated(once: () => Promise<Measured>, times: number): Promise<Measured> {
  let sum: Measured = { wall: 0, cpu: 0, rssMb: 0, complete: 0, expected: 0 };
  for (let i = 0; i < times; i++) {
    const one = await once();
    sum = {
      wall: sum.wall + one.wall,
      cpu: sum.cpu + one.cpu,
      rssMb: Math.max(sum.rssMb, one.rssMb),
      complete: sum.complete + one.complete,
      expected: sum.expected + one.expected,
      ...(one.error ? { error: one.error } : sum.error ? { error: sum.error } : {}),
    };
  }
  return sum;
}

interface Runner {
  readonly name: string;
  readonly missing?: string;
  once(count: number): Promise<Measured>;
}

function runners(fleet: Fleet): Runner[] {
  const names = (count: number) => fleet.hosts.slice(0, count).map((host) => host.name);
  const hostsFile = (count: number) => {
    const file = join(work, `hosts-${count}`);
    writeFileSync(file, names(count).join('\n') + '\n');
    return file;
  };
  const ansibleInventory = (count: number) => {
    const file = join(work, `ansible-${count}.ini`);
    writeFileSync(file, `[fleet]\n${names(count).join('\n')}\n`);
    return file;
  };
  const ansibleEnv = {
    ANSIBLE_SSH_ARGS: `-F ${fleet.configFile} -o ControlMaster=no`,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
  };
  return [
    {
      name: 'fanout run',
      once: (count) =>
        measure(
          `${fanoutCli(probeFile)} run -i ${inventory} 'f[1-${count}]' -j ${PARALLELISM} --progress none -- uptime`,
          count,
          {},
          probeFile,
        ),
    },
    {
      name: 'pssh -p',
      missing: hasCommand('parallel-ssh') ? undefined : 'parallel-ssh not installed',
      once: (count) =>
        measure(
          `parallel-ssh -x '-F ${fleet.configFile}' -p ${PARALLELISM} -t 0 -i -h ${hostsFile(count)} uptime`,
          count,
        ),
    },
    {
      name: 'pdsh -R ssh -f',
      missing: hasCommand('pdsh') ? undefined : 'pdsh not installed',
      once: (count) =>
        measure(`pdsh -R ssh -f ${PARALLELISM} -w 'f[1-${count}]' uptime`, count, {
          PDSH_SSH_ARGS: `-F ${fleet.configFile} -2 -a -x %h`,
        }),
    },
    {
      name: 'ansible -m raw -f',
      missing: hasCommand('ansible') ? undefined : 'ansible not installed',
      once: (count) =>
        measure(
          `ansible all -i ${ansibleInventory(count)} -m raw -a uptime -f ${PARALLELISM} --one-line`,
          count,
          ansibleEnv,
        ),
    },
    {
      name: 'GNU parallel --nonall -S',
      missing: hasCommand('parallel') ? undefined : 'GNU parallel not installed',
      once: (count) =>
        measure(
          `parallel --will-cite --nonall -j ${PARALLELISM} --tag --ssh 'ssh -F ${fleet.configFile}' --slf ${hostsFile(count)} uptime`,
          count,
        ),
    },
  ];
}

function row(name: string, result: Measured | undefined, note = ''): string {
  if (!result) return `${name.padEnd(38)} ${'—'.padStart(8)}  ${note}`;
  const lost = result.expected - result.complete;
  const status = result.projected
    ? 'projected: 10 × its one run, not run'
    : lost === 0
      ? 'complete'
      : `LOST ${lost} of ${result.expected}`;
  return [
    name.padEnd(38),
    result.wall.toFixed(2).padStart(8),
    result.cpu.toFixed(2).padStart(8),
    ((result.cpu / result.expected) * 1000).toFixed(1).padStart(10),
    result.rssMb.toFixed(1).padStart(8),
    `  ${status}${result.error ? ` (${result.error})` : ''}${note ? ` ${note}` : ''}`,
  ].join(' ');
}

const header = `${'runner'.padEnd(38)} ${'wall s'.padStart(8)} ${'cpu s'.padStart(8)} ${'cpu ms/cmd'.padStart(10)} ${'rss MB'.padStart(8)}  output`;

/** The fastest complete measured result other than fanout's. */
function bestPeer(results: ReadonlyMap<string, Measured>): [string, Measured] | undefined {
  let best: [string, Measured] | undefined;
  for (const [name, result] of results) {
    if (name.startsWith('fanout') || result.projected || result.complete < result.expected || result.error)
      continue;
    if (!best || result.wall < best[1].wall) best = [name, result];
  }
  return best;
}

/**
 * What the controller holds over the one-host run: RSS growth per host of the run (every host's record,
 * results and output included) and per connection open at the peak (at parallelism 64, hosts beyond it are
 * connected a few at a time, so the second figure also carries the state of hosts not connected then).
 */
function perHost(label: string, result: Measured, hostCount: number): string {
  const probe = result.probe;
  if (!probe || !baseline) return `${label}: no probe figures`;
  const connections = Math.max(1, probe.sockets - baseline.sockets);
  const rss = probe.rssMb - baseline.rssMb;
  return [
    `${label}: peak ${probe.sockets} sockets (${probe.tcp} busy), ${probe.fds} fds, ${probe.timers} timers keeping the loop alive, RSS ${probe.rssMb.toFixed(1)} MB (heap ${probe.heapMb.toFixed(1)} MB);`,
    `RSS growth ${rss.toFixed(1)} MB: ${(rss / Math.max(1, hostCount - 1)).toFixed(3)} MB per host of the run,`,
    `${(rss / connections).toFixed(3)} MB per peak connection (heap ${((probe.heapMb - baseline.heapMb) / connections).toFixed(3)} MB),`,
    `${((probe.fds - baseline.fds) / connections).toFixed(2)} fds, ${((probe.timers - baseline.timers) / connections).toFixed(2)} timers per connection,`,
    `CPU ${((result.cpu / (result.expected || 1)) * 1000).toFixed(1)} ms per command`,
  ].join(' ');
}

const sizes = option('hosts', '64,256');
const x10Sizes = option('x10', '64,256');
const work = mkdtempSync(join(tmpdir(), 'fanout-bench-fleet-'));
const probeFile = join(work, 'probe.json');
const fixtures = await startSshFixtures(0);
const largest = Math.max(...sizes, ...x10Sizes);
const started = performance.now();
const fleet = await startFleet(fixtures.info, {
  count: largest,
  subnet: 3,
  link: { delayMs: 20, jitterMs: 5 },
});
console.log(
  `${largest} sshd behind proxies (20 ms ± 5 ms each way) started in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
const inventory = fleet.inventory(work);
const ratios: string[] = [];
const costs: string[] = [];
let baseline: Probe | undefined;
/** Prints a per-host line at once (a long run may be stopped) and again in the summary. */
function cost(line: string): void {
  console.log(line);
  costs.push(line);
}
try {
  const all = runners(fleet);
  const one = await all[0]!.once(1);
  baseline = one.probe;
  cost(perHost('fanout run on 1 host (the baseline)', one, 1));
  for (const count of sizes) {
    console.log(
      `\nuptime once on ${count} hosts, parallelism ${PARALLELISM}, load ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(header);
    const results = new Map<string, Measured>();
    for (const runner of all) {
      if (runner.missing) {
        console.log(row(runner.name, undefined, runner.missing));
        continue;
      }
      const result = await runner.once(count);
      results.set(runner.name, result);
      console.log(row(runner.name, result));
    }
    const best = bestPeer(results);
    const fanout = results.get('fanout run')!;
    cost(perHost(`fanout run on ${count} hosts`, fanout, count));
    if (best) ratios.push(`fleet ${count}: fanout/${best[0]} = ${(fanout.wall / best[1].wall).toFixed(2)}`);

    if (!x10Sizes.includes(count) || !best) continue;
    console.log(
      `\nuptime 10 times per host on ${count} hosts (${count * 10} commands), load ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(header);
    const tenfold = new Map<string, Measured>();
    const args = Array.from({ length: count * 10 }, (_, i) => String(i + 1)).join(' ');
    const fanout10 = await measure(
      `${fanoutCli(probeFile)} jobs -i ${inventory} 'f[1-${count}]' -j ${PARALLELISM} --progress none -- 'uptime # {}' ::: ${args}`,
      count * 10,
      {},
      probeFile,
    );
    tenfold.set('fanout jobs (session agents)', fanout10);
    console.log(row('fanout jobs (session agents)', fanout10));
    cost(perHost(`fanout jobs ×10 on ${count} hosts`, fanout10, count));
    for (const [name, once] of results) {
      if (name.startsWith('fanout')) continue;
      const peer = all.find((runner) => runner.name === name)!;
      const peer10 =
        X10_ALL_PEERS || name === best[0]
          ? await measureRepeated(() => peer.once(count), 10)
          : {
              ...once,
              wall: once.wall * 10,
              cpu: once.cpu * 10,
              complete: once.complete * 10,
              expected: once.expected * 10,
              projected: true,
            };
      tenfold.set(`${name} ×10`, peer10);
      console.log(row(`${name} ×10`, peer10));
    }
    const cpConfig = join(work, 'ssh_config_cp');
    writeFileSync(
      cpConfig,
      `${readFileSync(fleet.configFile, 'utf8')}\nHost *\n  ControlMaster auto\n  ControlPath ${work}/cm-%C\n  ControlPersist 120\n`,
    );
    const lines = join(work, `cp-${count}`);
    writeFileSync(
      lines,
      Array.from({ length: 10 }, () => fleet.hosts.slice(0, count).map((host) => host.name))
        .flat()
        .join('\n') + '\n',
    );
    const cp = await measure(
      `xargs -P ${PARALLELISM} -I{} ssh -F ${cpConfig} {} uptime < ${lines}; for h in $(sort -u ${lines}); do ssh -F ${cpConfig} -O exit $h 2>/dev/null; done`,
      count * 10,
    );
    tenfold.set('OpenSSH ControlPersist + xargs -P', cp);
    console.log(row('OpenSSH ControlPersist + xargs -P', cp));
    const best10 = bestPeer(tenfold);
    if (best10) {
      ratios.push(`fleet ${count} x10: fanout/${best10[0]} = ${(fanout10.wall / best10[1].wall).toFixed(2)}`);
    }
  }
} finally {
  await fleet.stop();
  await fixtures.stop();
}
console.log('\nwhat the fanout controller holds (bench/fleet-probe.mjs, sampled every 100 ms):');
for (const line of costs) console.log(line);
console.log('');
for (const line of ratios) console.log(line);
console.log(
  `load average at the end: ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' ')}`,
);
