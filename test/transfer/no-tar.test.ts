import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startSshd, type ExtraSshd } from '../support/sshd.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { cutUpload } from './cut.js';
import { describeTree, leftovers, makeTree, ownedScratch, scratch } from './tree.js';

let sshd: ExtraSshd;

beforeAll(async () => {
  // An sshd of this file's own whose sessions find every command of /usr/bin but tar.
  const bin = join(scratch('fanout-no-tar-'), 'bin');
  mkdirSync(bin);
  for (const name of readdirSync('/usr/bin'))
    if (name !== 'tar') symlinkSync(join('/usr/bin', name), join(bin, name));
  sshd = await startSshd(fixtures(), { host: '127.0.0.23', sshdConfig: [`SetEnv PATH=${bin}`] });
});

afterAll(async () => {
  await closeSshConnections();
  await sshd?.stop();
});

describe('an SSH host without tar', () => {
  it('takes and gives trees file by file over SFTP', { timeout: 60_000 }, async () => {
    const shell = $.ssh(optionsFor(sshd.host, { knownHostsFile: sshd.knownHostsFile }));
    expect((await shell`command -v tar`.nothrow()).exitCode).not.toBe(0);
    const source = scratch();
    makeTree(source);
    const dir = ownedScratch(sshd.host.user);
    const remote = join(dir, 'app');
    const up = await upload(shell, source, remote, { checksum: true });
    expect(up).toMatchObject({ files: 6, bytes: 70_022 });
    expect(describeTree(remote)).toEqual(describeTree(source));
    const back = join(scratch(), 'back');
    await download(shell, remote, back, { checksum: true });
    expect(describeTree(back)).toEqual(describeTree(source));
    expect(leftovers(dir)).toEqual([]);
  });

  it(
    'removes the files a cut upload left staged deep in the tree at the next upload',
    { timeout: 60_000 },
    async () => {
      const proxy = await startFaultProxy({ listen: { host: '127.0.0.1' }, upstream: sshd.host });
      try {
        const proxyKnownHosts = join(scratch('fanout-no-tar-'), 'known_hosts');
        const key = sshd.host.knownHostsLine.split(' ').slice(1).join(' ');
        writeFileSync(proxyKnownHosts, `[${proxy.host}]:${proxy.port} ${key}\n`);
        const shell = $.ssh(
          optionsFor(sshd.host, { host: proxy.host, port: proxy.port, knownHostsFile: proxyKnownHosts }),
        );
        const source = scratch();
        makeTree(source);
        writeFileSync(join(source, 'sub/middle.bin'), Buffer.alloc(64 * 1024 * 1024, 6));
        const dir = ownedScratch(sshd.host.user);
        const remote = join(dir, 'app');
        // Out of reach until the upload has failed: it cannot remove what it staged.
        const error = await cutUpload(shell, source, remote, proxy);
        expect(error).toMatchObject({ target: expect.stringContaining(proxy.host) });
        // The file being written when the connection dropped, under its temporary name beside its final one.
        expect(leftovers(dir).map((path) => dirname(path))).toEqual([join(remote, 'sub')]);

        proxy.fault({ kind: 'none' });
        await upload(shell, source, remote, { checksum: true });
        expect(describeTree(remote)).toEqual(describeTree(source));
        expect(leftovers(dir)).toEqual([]);
      } finally {
        await proxy.close();
      }
    },
  );
});
