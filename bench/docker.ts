// npm run bench:docker — 200 × `echo hi` over 4 containers at concurrency 8: fanout's `$.docker` beside
// dockerode used directly (exec, demuxStream, inspect) and the docker CLI under `xargs -P 8`, in the same
// run. Runners take turns in each round so that a change in the machine's load falls on all of them.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { $ } from '../src/index.js';
import {
  dockerClient,
  ensureDockerDaemon,
  ensureTestImage,
  removeContainers,
  startContainers,
} from '../test/support/docker.js';
import { printTable, timeAsync, timeShell, type Row } from './support.js';

const JOBS = 200;
const CONCURRENCY = 8;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function runPool(run: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < JOBS) await run(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function dockerodeExec(client: Docker, container: string): Promise<number> {
  const exec = await client.getContainer(container).exec({
    Cmd: ['sh', '-c', 'echo hi'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const sink = new PassThrough().resume();
  client.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`exit code ${ExitCode}`);
  return ExitCode;
}

const daemon = await ensureDockerDaemon();
await ensureTestImage(daemon.socketPath);
const containers = await startContainers(4, `fanout-bench-${process.pid}`, daemon.socketPath);
try {
  const client = dockerClient(daemon.socketPath);
  const shells = containers.map((name) => $.docker({ container: name, socketPath: daemon.socketPath }));
  const list = Array.from({ length: JOBS }, (_, i) => containers[i % containers.length]).join('\n');
  const runners: Record<string, () => Promise<number>> = {
    'dockerode direct': () => timeAsync(() => runPool((i) => dockerodeExec(client, containers[i % 4]!))),
    'docker exec, xargs -P 8': async () =>
      timeShell(
        `printf '%s\\n' ${list.split('\n').join(' ')} | xargs -P ${CONCURRENCY} -I{} docker -H unix://${daemon.socketPath} exec {} echo hi >/dev/null`,
      ),
    'fanout $.docker': () => timeAsync(() => runPool((i) => shells[i % 4]!`echo hi`)),
  };
  const times = new Map<string, number[]>(Object.keys(runners).map((name) => [name, []]));
  const names = Object.keys(runners);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length]!;
      times.get(name)!.push(await runners[name]!());
    }
  }
  const rows: Row[] = names.map((name) => {
    const sorted = [...times.get(name)!].sort((a, b) => a - b);
    return {
      name,
      seconds: sorted[Math.floor(sorted.length / 2)],
      note: `runs: ${sorted.map((s) => s.toFixed(2)).join(' ')}`,
    };
  });
  printTable(
    `echo hi: ${JOBS} jobs over ${containers.length} containers at concurrency ${CONCURRENCY} (median of ${RUNS})`,
    JOBS,
    rows,
    'dockerode direct',
  );
} finally {
  await removeContainers(containers, daemon.socketPath);
  await daemon.stop();
}
