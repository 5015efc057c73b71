import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import { upload } from '../../src/transfer/transfer.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { describeTree, leftovers, makeTree, scratch } from './tree.js';

const host = fixtures().hosts[1]!;
const web = () => $.ssh(optionsFor(host));

function ownedDir(): string {
  const dir = scratch('fanout-remote-');
  execFileSync('chown', [host.user, dir]);
  return dir;
}

/** A local file of `mb` megabytes of varied bytes. */
function bigFile(mb: number): string {
  const file = join(scratch(), `big-${mb}`);
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + mb) & 0xff;
  writeFileSync(file, Buffer.concat(Array.from({ length: mb }, () => block)));
  return file;
}

/** Kills every per-connection sshd process of a fixture (the listener's children and theirs): the connections drop. */
function cutConnections(): void {
  const children = (parent: number): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  };
  const monitors = children(host.pid);
  for (const pid of [...monitors, ...monitors.flatMap(children)]) process.kill(pid, 'SIGKILL');
}

/** A tree of small files with one `mb`-megabyte file in the middle: long enough to be cut while it goes. */
function bigTree(mb: number): string {
  const root = scratch();
  makeTree(root);
  copyFileSync(bigFile(mb), join(root, 'sub/middle.bin'));
  return root;
}

afterAll(() => closeSshConnections());

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

  /** Uploads `source` to `target`, cutting the host's connections once 8 MiB went: the upload fails, naming the host, and nothing is left under `target`. */
  async function uploadCut(source: string, target: string): Promise<void> {
    let cut = false;
    const error = await upload(web(), source, target, {
      onProgress: ({ bytes }) => {
        if (!cut && bytes > 8 * 1024 * 1024) {
          cut = true;
          cutConnections();
        }
      },
    }).catch((e: unknown) => e);
    expect(cut).toBe(true);
    expect(error).toMatchObject({ target: expect.stringContaining(host.host) });
    expect(['CONNECTION_LOST', 'TRANSFER_FAILED']).toContain((error as { code: string }).code);
    expect(existsSync(target)).toBe(false);
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

  it('a connection cut mid-transfer leaves no partial file under the final name; a new upload succeeds', async () => {
    const dir = ownedDir();
    const target = join(dir, 'big');
    await uploadCut(bigFile(64), target);
    const again = await upload(web(), bigFile(4), target, { checksum: true });
    expect(again.bytes).toBe(4 * 1024 * 1024);
    expect(existsSync(target)).toBe(true);
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

  it('a connection cut mid-tree (tar over exec) leaves no partial tree under the final name; a new upload succeeds', async () => {
    const dir = ownedDir();
    const target = join(dir, 'app');
    const source = bigTree(64);
    await uploadCut(source, target);
    // The cut left its staged copy under a hidden temporary name only.
    expect(readdirSync(dir).every((name) => name.startsWith('.fanout-'))).toBe(true);

    await upload(web(), source, target, { checksum: true });
    expect(describeTree(target)).toEqual(describeTree(source));
  });

  it('aborting a tree upload removes the staged tree on the target', async () => {
    await uploadAborted(bigTree(64), 'app');
  });
});
