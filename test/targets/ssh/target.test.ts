import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { CommandError, ConnectionError, SpawnError } from '../../../src/errors.js';
import { resolveTarget } from '../../../src/targets/resolve.js';
import { closeSshConnections } from '../../../src/targets/ssh/index.js';
import { fixtures, optionsFor } from './helpers.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

afterAll(() => closeSshConnections());

describe('SSH target', () => {
  it('runs a command on each of the 8 hosts with results naming the target', async () => {
    const results = await Promise.all(
      fixtures().hosts.map((host) => $.ssh(optionsFor(host))`hostname -I; echo $SSH_CONNECTION`),
    );
    results.forEach((result, index) => {
      const host = fixtures().hosts[index]!;
      expect(result.target).toBe(host.uri);
      expect(result.stdout).toContain(` ${host.host} ${host.port}`);
      expect(result.exitCode).toBe(0);
    });
  });

  it('reports exit codes, stderr and cwd/env like the local target', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[0]!));
    const failed = await shell`echo out; echo err >&2; exit 7`.nothrow();
    expect([failed.exitCode, failed.stdout, failed.stderr, failed.ok]).toEqual([7, 'out\n', 'err\n', false]);
    const error = await shell`exit 3`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).target).toBe(fixtures().hosts[0]!.uri);
    expect(await shell({ cwd: '/tmp', env: { GREETING: "it's $x" } })`pwd; echo "$GREETING"`.text()).toBe(
      "/tmp\nit's $x",
    );
    await expect(shell({ cwd: '/no/such/dir' })`pwd`).rejects.toMatchObject({
      name: 'SpawnError',
      code: 'SPAWN_FAILED',
      target: fixtures().hosts[0]!.uri,
    });
    await expect(shell({ cwd: '/no/such/dir' })`pwd`).rejects.toBeInstanceOf(SpawnError);
  });

  it('passes stdin as a buffer, a string and a stream', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[1]!));
    expect(await shell`cat`.stdin('hello').text()).toBe('hello');
    expect(await shell`wc -c`.stdin(Buffer.alloc(100_000, 1)).text()).toBe('100000');
    expect(await shell`tr a b`.stdin(Readable.from(['aaa', 'cac'])).text()).toBe('bbbcbc');
    expect(await shell`cat`.text()).toBe('');
  });

  it('moves 10 MB out and in byte-exact (sha256)', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[2]!));
    const data = randomBytes(10 * 1024 * 1024);
    const file = join(mkdtempSync(join(fixtures().dir, 'out-')), 'data');
    writeFileSync(file, data, { mode: 0o644 });
    execFileSync('chmod', ['755', join(file, '..')]);
    const out = await shell`cat ${file}`.buffer();
    expect([out.length, sha256(out)]).toEqual([data.length, sha256(data)]);
    const remote = await shell`sha256sum`.stdin(data).text();
    expect(remote.split(' ')[0]).toBe(sha256(data));
  });

  it('resolves ssh:// URIs and ssh_config aliases to the same pooled host', async () => {
    const host = fixtures().hosts[3]!;
    const viaAlias = await $.ssh({
      host: host.alias,
      configFile: fixtures().configFile,
      agent: false,
    })`echo $USER`;
    expect([viaAlias.stdout, viaAlias.target]).toEqual([
      `${host.user}\n`,
      `ssh://${host.user}@${host.alias}:${host.port}`,
    ]);
    expect(resolveTarget(host.uri).id).toBe(host.uri);
  });

  it('authenticates with a passphrase-protected key, and fails with AUTH_FAILED without the passphrase', async () => {
    const host = fixtures().hosts[4]!;
    const identityFile = fixtures().encryptedIdentityFile;
    expect(
      await $.ssh(optionsFor(host, { identityFile, passphrase: fixtures().passphrase }))`echo ok`.text(),
    ).toBe('ok');
    const error = await $.ssh(optionsFor(host, { identityFile }))`echo ok`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', target: host.uri, command: 'echo ok' });
    expect((error as Error).message).toContain('encrypted');
  });
});

describe('SSH agent', () => {
  let socket: string;
  let agentPid: number;

  beforeAll(async () => {
    socket = join(mkdtempSync(join(tmpdir(), 'fanout-agent-')), 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    agentPid = agent.pid!;
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('ssh-add', [fixtures().agentIdentityFile], {
          env: { SSH_AUTH_SOCK: socket },
          stdio: 'pipe',
        });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  afterAll(() => process.kill(agentPid, 'SIGTERM'));

  it('authenticates with a key held only by the agent', async () => {
    const host = fixtures().hosts[5]!;
    const shell = $.ssh(optionsFor(host, { identityFile: [], agent: socket }));
    expect(await shell`echo agent`.text()).toBe('agent');
    await expect($.ssh(optionsFor(host, { identityFile: [], agent: false }))`true`).rejects.toMatchObject({
      code: 'AUTH_FAILED',
    });
  });
});
