/**
 * The peers of the SSH benchmark: each runs W2 (`echo hi` once on each of 8 fresh hosts) or W3 (400
 * commands spread over the hosts at concurrency 16) and returns how many outputs were right.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { SshFixtureInfo } from '../test/support/sshd.js';

export interface Workload {
  readonly name: 'W2' | 'W3';
  /** [alias index, argument] per command. */
  readonly jobs: ReadonlyArray<readonly [number, string]>;
  readonly concurrency: number;
}

export interface Peer {
  readonly name: string;
  /** Runs inside this process (cheap enough to repeat). */
  readonly inProcess?: boolean;
  /** Why it cannot run here, when it cannot. */
  readonly missing?: string;
  run(info: SshFixtureInfo, workload: Workload): Promise<number>;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Runs a shell line; resolves with its stdout. */
function sh(line: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString())
        : reject(new Error(`${line}: ${code} ${Buffer.concat(err)}`)),
    );
  });
}

const countLines = (out: string, expected: ReadonlyArray<string>): number => {
  const seen = new Map<string, number>();
  for (const line of out.split('\n')) {
    const word = line.trim().split(/\s+/).pop() ?? '';
    seen.set(word, (seen.get(word) ?? 0) + 1);
  }
  let ok = 0;
  for (const word of expected) {
    const left = seen.get(word) ?? 0;
    if (left > 0) {
      ok++;
      seen.set(word, left - 1);
    }
  }
  return ok;
};

const alias = (info: SshFixtureInfo, index: number) => info.hosts[index]!.alias;

/** Runs batches of hosts with `runBatch`, `parallel` batches at a time, for tools that run one command on many hosts. */
async function inRounds(
  info: SshFixtureInfo,
  workload: Workload,
  runBatch: (hosts: string[], argument: string) => Promise<string>,
): Promise<number> {
  const hostsPerRound = info.hosts.length;
  const rounds: string[] = [];
  for (let i = 0; i < workload.jobs.length; i += hostsPerRound) rounds.push(workload.jobs[i]![1]);
  const lanes = Math.max(1, Math.round(workload.concurrency / hostsPerRound));
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < rounds.length) {
        const argument = rounds[next++]!;
        const hosts = info.hosts.map((host) => host.alias);
        // Await first: `ok += await …` would read `ok` before the other lane adds to it.
        const output = await runBatch(hosts, argument);
        ok += countLines(
          output,
          hosts.map(() => argument),
        );
      }
    }),
  );
  return ok;
}

export function createPeers(info: SshFixtureInfo): Peer[] {
  const cpConfig = join(info.dir, 'ssh_config_controlpersist');
  writeFileSync(
    cpConfig,
    `${readFileSync(info.configFile, 'utf8')}\nHost *\n  ControlMaster auto\n  ControlPath ${info.dir}/cm-%C\n  ControlPersist 60\n`,
  );
  const xargs = (config: string): Peer => ({
    name: config === info.configFile ? 'OpenSSH + xargs -P' : 'OpenSSH ControlPersist + xargs -P',
    async run(_, workload) {
      const input = join(info.dir, `jobs-${workload.name}`);
      writeFileSync(
        input,
        workload.jobs.map(([host, arg]) => `${alias(info, host)} echo ${arg}`).join('\n') + '\n',
      );
      const out = await sh(`xargs -P ${workload.concurrency} -L 1 ssh -F ${config} < ${input}`);
      return countLines(
        out,
        workload.jobs.map(([, arg]) => arg),
      );
    },
  });
  return [
    {
      name: 'bare ssh2 loop (1 conn/host, NODELAY)',
      inProcess: true,
      async run(_, workload) {
        const key = readFileSync(info.identityFile);
        const clients = await Promise.all(
          info.hosts.map(
            (host) =>
              new Promise<Client>((resolve, reject) => {
                const sock = net.connect(host.port, host.host);
                sock.setNoDelay(true);
                const client = new Client();
                client.on('ready', () => resolve(client)).on('error', reject);
                client.connect({ sock, username: host.user, privateKey: key });
              }),
          ),
        );
        let ok = 0;
        let next = 0;
        await Promise.all(
          Array.from({ length: workload.concurrency }, async () => {
            while (next < workload.jobs.length) {
              const [host, arg] = workload.jobs[next++]!;
              const out = await new Promise<string>((resolve, reject) =>
                clients[host]!.exec(`echo ${arg}`, (error, channel) => {
                  if (error) return reject(error);
                  const chunks: Buffer[] = [];
                  channel
                    .on('data', (chunk: Buffer) => chunks.push(chunk))
                    .on('close', () => resolve(Buffer.concat(chunks).toString()));
                  channel.stderr.resume();
                }),
              );
              if (out.trim() === arg) ok++;
            }
          }),
        );
        for (const client of clients) client.end();
        return ok;
      },
    },
    xargs(info.configFile),
    xargs(cpConfig),
    {
      name: 'pssh (parallel-ssh)',
      missing: has('parallel-ssh') ? undefined : 'parallel-ssh not installed',
      run: (_, workload) =>
        inRounds(info, workload, (hosts, arg) =>
          sh(
            `parallel-ssh -x '-F ${info.configFile}' -p ${hosts.length} -i -H '${hosts.join(' ')}' echo ${arg}`,
          ),
        ),
    },
    {
      name: 'pdsh -R ssh',
      missing: has('pdsh') ? undefined : 'pdsh not installed',
      run: (_, workload) =>
        inRounds(info, workload, (hosts, arg) =>
          sh(`pdsh -R ssh -f ${hosts.length} -w ${hosts.join(',')} echo ${arg}`, {
            PDSH_SSH_ARGS: `-F ${info.configFile} -2 -a -x %h`,
          }),
        ),
    },
    {
      name: 'GNU parallel -S',
      missing: has('parallel') ? undefined : 'GNU parallel not installed',
      async run(_, workload) {
        const perHost = Math.max(1, Math.round(workload.concurrency / info.hosts.length));
        const logins = info.hosts.map((host) => `${perHost}/${host.alias}`).join(',');
        const input = join(info.dir, `parallel-${workload.name}`);
        writeFileSync(input, workload.jobs.map(([, arg]) => arg).join('\n') + '\n');
        const out = await sh(
          `parallel --will-cite --ssh 'ssh -F ${info.configFile}' -S ${logins} echo {} < ${input}`,
        );
        return countLines(
          out,
          workload.jobs.map(([, arg]) => arg),
        );
      },
    },
  ];
}

/** Ends the ControlPersist masters the xargs peer left. */
export async function stopControlMasters(info: SshFixtureInfo): Promise<void> {
  const config = join(info.dir, 'ssh_config_controlpersist');
  await Promise.all(
    info.hosts.map((host) => sh(`ssh -F ${config} -O exit ${host.alias} 2>/dev/null || true`)),
  );
}
