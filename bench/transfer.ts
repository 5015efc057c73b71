/**
 * `npm run bench:transfer`: fanout's upload/download beside parallel-scp, parallel-rsync, parallel-slurp
 * (Debian's pssh) and scp under `xargs -P 8`, in the same run, against the same 8 local sshd fixtures.
 *
 * P1: push one 100 MB file to 8 hosts. P2: push a tree of 2,000 small files to 8 hosts. P3: pull a 20 MB
 * file from each of 8 hosts. The fixtures share this machine's disk: each host's copy goes to a directory
 * of its own, as on hosts with disks of their own. pssh's tools take one remote path for all hosts, so
 * their copies replace one another in one shared path: less work, shown but not ranked. After each run
 * every copy is checked by sha256. Prints the median wall time of BENCH_RUNS runs (default
 * 3, in alternating order), the ratio to the best peer and fanout's peak RSS. A tool that fails
 * (parallel-rsync without rsync installed) is reported, not ranked. Like its peers, fanout runs as a
 * process of its own, start-up included: plain Node on the built package (the npm script builds it first),
 * as it is used. BENCH_ONLY=P1 (a name's start) runs one workload.
 */
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshFixtures } from '../test/support/sshd.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function treeHash(root: string): string {
  const hash = createHash('sha256');
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (
        readdirSync(dir, { withFileTypes: true })
          .find((e) => e.name === name)
          ?.isDirectory()
      )
        visit(path);
      else hash.update(name).update(readFileSync(path));
    }
  };
  visit(root);
  return hash.digest('hex');
}

async function time(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

const fixtures = await startSshFixtures(8);
const { info } = fixtures;
const work = join('/tmp', `fanout-bench-transfer-${process.pid}`);
const remote = join(work, 'remote');
mkdirSync(remote, { recursive: true });
chmodSync(work, 0o755);
execFileSync('chown', [info.user, remote]);
const big = join(work, 'big.bin');
execSync(`head -c ${100 * 1024 * 1024} /dev/urandom > ${big}`);
const tree = join(work, 'tree');
for (let d = 0; d < 20; d++) {
  mkdirSync(join(tree, `d${d}`), { recursive: true });
  for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}`), `${d}/${f}\n`.repeat(40));
}
const pullFile = join(remote, 'pull.bin');
execSync(`head -c ${20 * 1024 * 1024} /dev/urandom > ${pullFile}; chown ${info.user} ${pullFile}`);
const hostsFile = join(work, 'hosts');
writeFileSync(hostsFile, info.hosts.map((h) => `${h.host}:${h.port} ${h.user}`).join('\n') + '\n');
const sshOpts = `-i ${info.identityFile} -o UserKnownHostsFile=${info.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
const port = info.hosts[0]!.port;
const hosts = info.hosts.map((h) => h.host).join('\n');
let peakRss = 0;
/** Runs one fanout transfer to or from every host in a process of its own (see transfer-fanout.mjs). */
function fanout(kind: 'upload' | 'download', from: string, to: string): void {
  const job = {
    kind,
    hosts: info.hosts.map((h) => ({ host: h.host, port: h.port, user: h.user })),
    identityFile: info.identityFile,
    knownHostsFile: info.knownHostsFile,
    from,
    to,
  };
  const output = execFileSync(process.execPath, ['bench/transfer-fanout.mjs', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  peakRss = Math.max(peakRss, (JSON.parse(output) as { maxRss: number }).maxRss);
}
const sh = (command: string): void => void execSync(command, { stdio: ['ignore', 'ignore', 'inherit'] });
/** Empties the remote side but for the file to pull, and gives each host a directory of its own. */
const clean = (): void => {
  for (const name of readdirSync(remote))
    if (name !== 'pull.bin') rmSync(join(remote, name), { recursive: true, force: true });
  for (const dir of [...info.hosts.map((h) => h.host), 'shared']) {
    mkdirSync(join(remote, dir));
    execFileSync('chown', [info.user, join(remote, dir)]);
  }
};
/**
 * Where each host's copy goes: a directory per host, as on hosts with disks of their own. pssh's tools
 * take one remote path for every host, so theirs all go to `shared/`, one replacing the other.
 */
const perHost = (name: string) => info.hosts.map((h) => join(remote, h.host, name));
const shared = (name: string) => [join(remote, 'shared', name)];

interface Cell {
  readonly tool: string;
  readonly run: () => Promise<unknown> | unknown;
  /** The copies a push made, each checked against the source. */
  readonly copies?: readonly string[];
  /**
   * The hosts' copies replace one another in one shared path: each host after the first overwrites files
   * that exist, less work than creating them, so the cell is shown but not ranked.
   */
  readonly sharedCopy?: boolean;
}
const workloads: Array<{ name: string; cells: Cell[]; check: (cell: Cell) => boolean }> = [
  {
    name: 'P1 push 100 MB to 8',
    check: (cell) => cell.copies!.every((copy) => sha(copy) === sha(big)),
    cells: [
      {
        tool: 'fanout',
        run: () => fanout('upload', big, join(remote, '{host}', 'big.bin')),
        copies: perHost('big.bin'),
      },
      {
        tool: 'parallel-scp',
        run: () =>
          sh(`parallel-scp -h ${hostsFile} -p 8 -t 0 -x "${sshOpts}" ${big} ${remote}/shared/big.bin`),
        copies: shared('big.bin'),
        sharedCopy: true,
      },
      {
        tool: 'parallel-rsync',
        run: () =>
          sh(`parallel-rsync -h ${hostsFile} -p 8 -t 0 -S "${sshOpts}" ${big} ${remote}/shared/big.bin`),
        copies: shared('big.bin'),
        sharedCopy: true,
      },
      {
        tool: 'scp | xargs -P 8',
        run: () =>
          sh(
            `echo "${hosts}" | xargs -P 8 -I{} scp -q ${sshOpts} -P ${port} ${big} ${info.user}@{}:${remote}/{}/big.bin`,
          ),
        copies: perHost('big.bin'),
      },
    ],
  },
  {
    name: 'P2 push 2,000 files to 8',
    check: (cell) => cell.copies!.every((copy) => treeHash(copy) === treeHash(tree)),
    cells: [
      {
        tool: 'fanout',
        run: () => fanout('upload', tree, join(remote, '{host}', 'tree')),
        copies: perHost('tree'),
      },
      {
        tool: 'parallel-scp',
        run: () => sh(`parallel-scp -r -h ${hostsFile} -p 8 -t 0 -x "${sshOpts}" ${tree} ${remote}/shared/`),
        copies: shared('tree'),
        sharedCopy: true,
      },
      {
        tool: 'parallel-rsync',
        run: () =>
          sh(`parallel-rsync -r -h ${hostsFile} -p 8 -t 0 -S "${sshOpts}" ${tree} ${remote}/shared/`),
        copies: shared('tree'),
        sharedCopy: true,
      },
      {
        tool: 'scp | xargs -P 8',
        run: () =>
          sh(
            `echo "${hosts}" | xargs -P 8 -I{} scp -q -r ${sshOpts} -P ${port} ${tree} ${info.user}@{}:${remote}/{}/`,
          ),
        copies: perHost('tree'),
      },
    ],
  },
  {
    name: 'P3 pull 8 x 20 MB',
    check: () =>
      readdirSync(join(work, 'pulled')).every(
        (h) => sha(join(work, 'pulled', h, 'pull.bin')) === sha(pullFile),
      ),
    cells: [
      {
        tool: 'fanout',
        run: () => fanout('download', pullFile, join(work, 'pulled')),
      },
      {
        tool: 'parallel-slurp',
        run: () =>
          sh(
            `parallel-slurp -h ${hostsFile} -p 8 -t 0 -x "${sshOpts}" -L ${join(work, 'pulled')} ${pullFile} pull.bin`,
          ),
      },
      {
        tool: 'scp | xargs -P 8',
        run: () =>
          sh(
            `echo "${hosts}" | xargs -P 8 -I{} sh -c 'mkdir -p ${join(work, 'pulled')}/{} && scp -q ${sshOpts} -P ${port} ${info.user}@{}:${pullFile} ${join(work, 'pulled')}/{}/pull.bin'`,
          ),
      },
    ],
  },
];

/** One timed run of a cell, its copies checked: seconds, or NaN when it failed or copied wrong. */
async function measure(cell: Cell, check: (cell: Cell) => boolean): Promise<number> {
  clean();
  rmSync(join(work, 'pulled'), { recursive: true, force: true });
  mkdirSync(join(work, 'pulled'));
  const seconds = await time(cell.run).catch(() => Number.NaN);
  return !Number.isNaN(seconds) && check(cell) ? seconds : Number.NaN;
}

const median = (values: number[]): number =>
  values.some(Number.isNaN) ? Number.NaN : values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  for (const workload of workloads.filter((w) => w.name.startsWith(process.env.BENCH_ONLY ?? ''))) {
    // Runs alternate the order of the tools, so that none is always first (or always after the same one).
    const times = workload.cells.map(() => [] as number[]);
    for (let run = 0; run < RUNS; run++) {
      const order = workload.cells.map((_, index) => index);
      if (run % 2 === 1) order.reverse();
      for (const index of order) times[index]!.push(await measure(workload.cells[index]!, workload.check));
    }
    const results = workload.cells.map((cell, index) => ({ cell, seconds: median(times[index]!) }));
    const ranked = results.filter((r) => r.cell.tool !== 'fanout' && !r.cell.sharedCopy);
    const best = Math.min(...ranked.filter((r) => !Number.isNaN(r.seconds)).map((r) => r.seconds));
    console.log(`${workload.name} (median of ${RUNS})`);
    for (const { cell, seconds } of results) {
      const name = cell.tool.padEnd(18);
      if (Number.isNaN(seconds)) console.log(`  ${name}  failed or copied wrong (see above): not ranked`);
      else
        console.log(
          `  ${name} ${seconds.toFixed(2).padStart(7)} s  ${(seconds / best).toFixed(2)}x best peer  sha256 ok${cell.sharedCopy ? '  (one shared copy: not ranked)' : ''}`,
        );
    }
  }
  console.log(`fanout peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
} finally {
  await fixtures.stop();
  rmSync(work, { recursive: true, force: true });
}
