import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import { upload } from '../../src/transfer/transfer.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { survivorsOf, waitFor } from '../support/processes.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { cutUpload } from './cut.js';
import { describeTree, leftovers, makeTree, ownedScratch, scratch } from './tree.js';

const host = fixtures().hosts[1]!;
const web = () => $.ssh(optionsFor(host));

const ownedDir = () => ownedScratch(host.user);

/** A local file of `mb` megabytes of varied bytes. */
function bigFile(mb: number): string {
  const file = join(scratch(), `big-${mb}`);
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + mb) & 0xff;
  writeFileSync(file, Buffer.concat(Array.from({ length: mb }, () => block)));
  return file;
}

let proxy: FaultProxy;
let knownHostsFile: string;
/** The same host through a fault proxy, whose connections a test cuts. */
const viaProxy = () => $.ssh(optionsFor(host, { host: proxy.host, port: proxy.port, knownHostsFile }));

beforeAll(async () => {
  proxy = await startFaultProxy({ listen: { host: '127.0.0.1' }, upstream: host });
  knownHostsFile = join(scratch('fanout-faults-'), 'known_hosts');
  writeFileSync(
    knownHostsFile,
    `[${proxy.host}]:${proxy.port} ${host.knownHostsLine.split(' ').slice(1).join(' ')}\n`,
  );
});

/** Staged copies (`.fanout-<nonce>.<name>`) in `dir`. */
const staged = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('.fanout-'));

/** A tree of small files with one `mb`-megabyte file in the middle: long enough to be cut while it goes. */
function bigTree(mb: number): string {
  const root = scratch();
  makeTree(root);
  copyFileSync(bigFile(mb), join(root, 'sub/middle.bin'));
  return root;
}

afterAll(async () => {
  await closeSshConnections();
  await proxy?.close();
});

describe('transfer faults over SSH', () => {
  it('a full disk fails the upload and leaves no file, final or temporary (1 MB tmpfs)', async () => {
    const mount = ownedDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mount]);
    try {
      execFileSync('chown', [host.user, mount]);
      const error = await upload(web(), bigFile(3), join(mount, 'big')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TRANSFER_FAILED', target: expect.stringContaining(host.host) });
      expect(readdirSync(mount)).toEqual([]);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  /**
   * Uploads `source` to `target` through the proxy, resetting every connection once 8 MiB went: the upload
   * fails, naming the host, and nothing is left under `target`. The host stays unreachable until `heal`, as
   * in an outage, so the upload cannot clean up through it.
   */
  async function uploadCut(source: string, target: string): Promise<{ heal: () => void }> {
    const error = await cutUpload(viaProxy(), source, target, proxy);
    expect(error).toMatchObject({ target: expect.stringContaining(proxy.host) });
    expect(['CONNECTION_LOST', 'TRANSFER_FAILED']).toContain((error as { code: string }).code);
    expect(existsSync(target)).toBe(false);
    return { heal: () => proxy.fault({ kind: 'none' }) };
  }

  /** Uploads `source` as `name` into a new directory, aborting once 4 MiB went: nothing is left there. */
  async function uploadAborted(source: string, name: string): Promise<void> {
    const dir = ownedDir();
    const controller = new AbortController();
    const error = await upload(web(), source, join(dir, name), {
      signal: controller.signal,
      onProgress: ({ bytes }) => {
        if (bytes > 4 * 1024 * 1024) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(readdirSync(dir)).toEqual([]);
  }

  it('a connection cut mid-transfer leaves no partial file under the final name; the next upload removes the staged copy left, not that of an upload still in progress', async () => {
    const dir = ownedDir();
    const target = join(dir, 'big');
    // Another upload to the same place, in progress (over its own connection) throughout.
    const stream = new PassThrough();
    stream.write(Buffer.alloc(1024 * 1024, 1));
    const live = upload(web(), stream, target);
    live.catch(() => {});
    await waitFor(() => staged(dir).length === 1, 10_000, 'the live upload to stage');
    const [liveStaging] = staged(dir);

    const { heal } = await uploadCut(bigFile(64), target);
    // SFTP cannot clean up on the host's side: the cut upload's staged file is still there.
    expect(staged(dir)).toHaveLength(2);
    heal();
    const again = await upload(viaProxy(), bigFile(4), target, { checksum: true });
    expect(again.bytes).toBe(4 * 1024 * 1024);
    expect(readdirSync(dir).sort()).toEqual([liveStaging, 'big']);

    stream.end(Buffer.alloc(1024 * 1024, 2));
    await live;
    expect(readdirSync(dir)).toEqual(['big']);
    expect(statSync(target).size).toBe(2 * 1024 * 1024);
  });

  it('aborting removes the temporary file on the target', async () => {
    await uploadAborted(bigFile(64), 'big');
  });

  it('checksum detects a file changed while being sent over SFTP', async () => {
    const dir = ownedDir();
    const file = bigFile(16);
    let changed = false;
    const error = await upload(web(), file, join(dir, 'big'), {
      checksum: true,
      onProgress: ({ bytes }) => {
        if (!changed && bytes > 1024 * 1024) {
          changed = true;
          writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 9));
        }
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(readdirSync(dir)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a remote directory the login cannot write is TRANSFER_FAILED naming the path, nothing written', async () => {
    mkdirSync('/root/fanout-locked', { recursive: true });
    try {
      const error = await upload(web(), bigFile(1), '/root/fanout-locked/file', { checksum: true }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'TRANSFER_FAILED', path: '/root/fanout-locked' });
      expect(readdirSync('/root/fanout-locked')).toEqual([]);
    } finally {
      rmSync('/root/fanout-locked', { recursive: true, force: true });
    }
  });

  it('a connection cut mid-tree (tar over exec) leaves no partial tree under the final name; the host removes the staged tree itself', async () => {
    const dir = ownedDir();
    const target = join(dir, 'app');
    const source = bigTree(64);
    const { heal } = await uploadCut(source, target);
    // With the host still out of reach: its tar read a short archive, failed, and removed what it staged.
    await waitFor(() => readdirSync(dir).length === 0, 10_000, 'the staged tree to go');
    expect(await survivorsOf(`tar -x -f - -C ${dir}`)).toEqual([]);

    // Another controller's upload to the same place, in progress: it must survive the next upload.
    const other = join(dir, '.fanout-0123456789ab.app');
    mkdirSync(other);
    heal();
    await upload(viaProxy(), source, target, { checksum: true });
    expect(describeTree(target)).toEqual(describeTree(source));
    expect(readdirSync(dir).sort()).toEqual([basename(other), 'app']);
  });

  it('aborting a tree upload removes the staged tree on the target', async () => {
    await uploadAborted(bigTree(64), 'app');
  });
});
