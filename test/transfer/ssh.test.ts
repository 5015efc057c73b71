import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { describeTree, leftovers, makeTree, OLD_MTIME, ownedScratch, scratch } from './tree.js';

const host = fixtures().hosts[0]!;
const web = () => $.ssh(optionsFor(host));

const remoteDir = () => ownedScratch(host.user);

afterAll(() => closeSshConnections());

describe('transfer over SFTP to an SSH target', () => {
  it('uploads and downloads a tree keeping modes, links and, with preserve, times', async () => {
    const source = scratch();
    makeTree(source);
    const remote = join(remoteDir(), 'app');
    const up = await upload(web(), source, remote, { preserve: true, checksum: true });
    expect(describeTree(remote, true)).toEqual(describeTree(source, true));
    expect(statSync(join(remote, 'run.sh')).uid).toBe(
      Number(execFileSync('id', ['-u', host.user], { encoding: 'utf8' })),
    );
    expect(up).toMatchObject({ files: 6, bytes: 70_022 });

    const back = join(scratch(), 'back');
    await download(web(), remote, back, { preserve: true, checksum: true });
    expect(describeTree(back, true)).toEqual(describeTree(source, true));
    expect(leftovers(remote)).toEqual([]);
    expect(statSync(join(back, 'sub/deeper/data.bin')).mtimeMs).toBe(OLD_MTIME.getTime());
  });

  it('replaces an existing file atomically and creates parents with mkdirs', async () => {
    const file = join(remoteDir(), 'x/y/config');
    await upload(web(), Buffer.from('v1'), file, { mkdirs: true });
    await upload(web(), Buffer.from('v2'), file, { checksum: true });
    expect(readFileSync(file, 'utf8')).toBe('v2');
    expect(leftovers(join(file, '..'))).toEqual([]);
  });

  it('sync sends only what changed', async () => {
    const source = scratch();
    makeTree(source);
    const remote = join(remoteDir(), 'app');
    await upload(web(), source, remote, { sync: true });
    const again = await upload(web(), source, remote, { sync: true });
    expect(again).toMatchObject({ skipped: 4 });
  });

  it('fails with SOURCE_NOT_FOUND for a missing remote file', async () => {
    const dest = join(scratch(), 'nothing');
    const error = await download(web(), '/nonexistent/file', dest).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      target: host.uri.replace(/:\d+$/, `:${host.port}`),
    });
    expect(existsSync(dest)).toBe(false);
  });

  it('fails clearly, naming the path, when the remote directory is not writable', async () => {
    const error = await upload(web(), Buffer.from('x'), '/root/fanout-denied').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED', path: '/root/fanout-denied' });
    expect((error as Error).message).toMatch(/Permission denied/i);
  });

  it('stages a tree beside its destination (tar over exec) and gives it its name only once complete', async () => {
    const source = scratch();
    mkdirSync(join(source, 'a'));
    writeFileSync(join(source, 'a/big.bin'), Buffer.alloc(16 * 1024 * 1024, 3));
    writeFileSync(join(source, 'z'), 'last\n');
    const parent = remoteDir();
    const remote = join(parent, 'app');
    let seen: string[] | undefined;
    await upload(web(), source, remote, {
      onProgress: ({ bytes }) => {
        if (seen === undefined && bytes > 4 * 1024 * 1024) seen = readdirSync(parent);
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen![0]).toMatch(/^\.fanout-[0-9a-f]+\.app$/);
    expect(describeTree(remote)).toEqual(describeTree(source));
    expect(readdirSync(parent)).toEqual(['app']);
  });

  it('merges a tree into an existing one: files replaced, other files kept, modes set', async () => {
    const source = scratch();
    makeTree(source);
    const remote = join(remoteDir(), 'app');
    await upload(web(), source, remote);
    writeFileSync(join(source, 'secret'), 'new key\n');
    writeFileSync(join(remote, 'sub/extra'), 'kept\n');
    execFileSync('chmod', ['700', join(remote, 'sub')]);
    const again = await upload(web(), source, remote, { checksum: true });
    expect(again).toMatchObject({ files: 6 });
    const expected = { ...describeTree(source), 'sub/extra': describeTree(remote)['sub/extra'] };
    expect(describeTree(remote)).toEqual(expected);
    expect(readFileSync(join(remote, 'secret'), 'utf8')).toBe('new key\n');
    expect(leftovers(join(remote, '..'))).toEqual([]);
  });

  it('a file where the tree has a directory fails the upload and leaves no staged copy', async () => {
    const source = scratch();
    makeTree(source);
    const remote = join(remoteDir(), 'app');
    await upload(web(), source, remote);
    execFileSync('rm', ['-r', join(remote, 'sub/deeper')]);
    writeFileSync(join(remote, 'sub/deeper'), 'in the way\n');
    const error = await upload(web(), source, remote).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TRANSFER_FAILED', path: remote });
    expect((error as Error).message).toMatch(/in the way/);
    expect(readFileSync(join(remote, 'sub/deeper'), 'utf8')).toBe('in the way\n');
    expect(leftovers(join(remote, '..'))).toEqual([]);
  });
});
