/**
 * `npm run bench:transfer`: fanout's upload/download beside parallel-scp, parallel-rsync, parallel-slurp
 * (Debian's pssh) and scp under `xargs -P 8`, in the same run, against the same 8 local sshd fixtures.
 *
 * P1: push one 100 MB file to 8 hosts. P2: push a tree of 2,000 small files to 8 hosts. P3: pull a 20 MB
 * file from each of 8 hosts. The fixtures share this machine's disk, so every tool writes one remote path;
 * after each run every copy is checked by sha256. Prints wall times, the ratio to the best peer and
 * fanout's peak RSS. A tool that fails (parallel-rsync without rsync installed) is reported, not ranked.
 */
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSshTarget, closeSshConnections } from '../src/targets/ssh/index.js';
import { download, upload } from '../src/transfer/transfer.js';
import { startSshFixtures } from '../test/support/sshd.js';

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
const targets = () =>
  info.hosts.map((h) =>
    createSshTarget({
      host: h.host,
      port: h.port,
      user: h.user,
      identityFile: info.identityFile,
      knownHostsFile: info.knownHostsFile,
      configFile: false,
      agent: false,
    }),
  );
const sh = (command: string): void => void execSync(command, { stdio: ['ignore', 'ignore', 'inherit'] });
const clean = (): void => {
  for (const name of readdirSync(remote))
    if (name !== 'pull.bin') rmSync(join(remote, name), { recursive: true, force: true });
};
let peakRss = 0;
setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20).unref();

interface Cell {
  readonly tool: string;
  readonly run: () => Promise<unknown> | unknown;
}
const workloads: Array<{ name: string; cells: Cell[]; check: () => boolean }> = [
  {
    name: 'P1 push 100 MB to 8',
    check: () => sha(join(remote, 'big.bin')) === sha(big),
    cells: [
      {
        tool: 'fanout',
        run: () => Promise.all(targets().map((t) => upload(t, big, join(remote, 'big.bin')))),
      },
      {
        tool: 'parallel-scp',
        run: () => sh(`parallel-scp -h ${hostsFile} -p 8 -t 0 -x "${sshOpts}" ${big} ${remote}/big.bin`),
      },
      {
        tool: 'parallel-rsync',
        run: () => sh(`parallel-rsync -h ${hostsFile} -p 8 -t 0 -S "${sshOpts}" ${big} ${remote}/big.bin`),
      },
      {
        tool: 'scp | xargs -P 8',
        run: () =>
          sh(
            `echo "${hosts}" | xargs -P 8 -I{} scp -q ${sshOpts} -P ${port} ${big} ${info.user}@{}:${remote}/big.bin`,
          ),
      },
    ],
  },
  {
    name: 'P2 push 2,000 files to 8',
    check: () => treeHash(join(remote, 'tree')) === treeHash(tree),
    cells: [
      { tool: 'fanout', run: () => Promise.all(targets().map((t) => upload(t, tree, join(remote, 'tree')))) },
      {
        tool: 'parallel-scp',
        run: () => sh(`parallel-scp -r -h ${hostsFile} -p 8 -t 0 -x "${sshOpts}" ${tree} ${remote}/`),
      },
      {
        tool: 'parallel-rsync',
        run: () => sh(`parallel-rsync -r -h ${hostsFile} -p 8 -t 0 -S "${sshOpts}" ${tree} ${remote}/`),
      },
      {
        tool: 'scp | xargs -P 8',
        run: () =>
          sh(
            `echo "${hosts}" | xargs -P 8 -I{} scp -q -r ${sshOpts} -P ${port} ${tree} ${info.user}@{}:${remote}/`,
          ),
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
        run: () =>
          Promise.all(
            targets().map((t, i) =>
              download(t, pullFile, join(work, 'pulled', `h${i}`, 'pull.bin'), { mkdirs: true }),
            ),
          ),
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

try {
  for (const workload of workloads) {
    const results: Array<{ tool: string; seconds: number; ok: boolean }> = [];
    for (const cell of workload.cells) {
      clean();
      rmSync(join(work, 'pulled'), { recursive: true, force: true });
      mkdirSync(join(work, 'pulled'));
      const seconds = await time(cell.run).catch(() => Number.NaN);
      if (cell.tool === 'fanout') await closeSshConnections();
      results.push({ tool: cell.tool, seconds, ok: !Number.isNaN(seconds) && workload.check() });
    }
    const best = Math.min(...results.filter((r) => r.tool !== 'fanout' && r.ok).map((r) => r.seconds));
    console.log(workload.name);
    for (const r of results)
      console.log(
        Number.isNaN(r.seconds)
          ? `  ${r.tool.padEnd(18)}  failed (see its error above): not ranked`
          : `  ${r.tool.padEnd(18)} ${r.seconds.toFixed(2).padStart(7)} s  ${(r.seconds / best).toFixed(2)}x best peer  sha256 ${r.ok ? 'ok' : 'MISMATCH'}`,
      );
  }
  console.log(`fanout peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
} finally {
  await fixtures.stop();
  rmSync(work, { recursive: true, force: true });
}
