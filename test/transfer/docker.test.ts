import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { createDockerTarget } from '../../src/targets/docker/index.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { startDockerSocketProxy } from '../support/docker-proxy.js';
import { describeTree, makeTree, scratch } from './tree.js';
import '../support/docker-context.js';

const { containers, socketPath } = inject('docker');
const app = () => $.docker(containers[0]!);

describe('transfer to a Docker container over the archive API', () => {
  it('uploads and downloads a tree keeping modes, links and, with preserve, times', async () => {
    const source = scratch();
    makeTree(source);
    const remote = `/tmp/app-${Date.now()}`;
    const up = await upload(app(), source, remote, { preserve: true, checksum: true });
    expect(up).toMatchObject({ files: 6, bytes: 70_022 });
    expect((await app()`ls -a ${remote} ${remote}/sub`).stdout).not.toContain('.fanout-');
    expect((await app()`stat -c '%a %Y' ${remote}/secret ${remote}/run.sh`).stdout).toBe(
      '600 1577934245\n755 1577934245\n',
    );

    const back = join(scratch(), 'back');
    await download(app(), remote, back, { preserve: true, checksum: true });
    expect(describeTree(back, true)).toEqual(describeTree(source, true));
  });

  it('writes a Buffer and a stream into place, creating parents with mkdirs', async () => {
    const remote = `/tmp/deep-${Date.now()}/a/b/conf`;
    const missing = await upload(app(), Buffer.from('v1'), remote).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'TRANSFER_FAILED' });
    expect((missing as Error).message).toContain('mkdirs');
    await upload(app(), Buffer.from('v1'), remote, { mkdirs: true, mode: 0o640 });
    const { Readable } = await import('node:stream');
    await upload(app(), Readable.from([Buffer.from('v'), Buffer.from('2')]), remote, { checksum: true });
    expect((await app()`cat ${remote}; stat -c %a ${remote}`).stdout).toBe('v2644\n');
  });

  it('sync skips files the container already has', async () => {
    const source = scratch();
    makeTree(source);
    const remote = `/tmp/sync-${Date.now()}`;
    await upload(app(), source, remote, { sync: true });
    const again = await upload(app(), source, remote, { sync: true });
    expect(again).toMatchObject({ skipped: 4, files: 6 });
  });

  it('fails with SOURCE_NOT_FOUND for a missing path in the container', async () => {
    const dest = join(scratch(), 'nothing');
    await expect(download(app(), '/no/such/file', dest)).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
    expect(existsSync(dest)).toBe(false);
  });

  it('downloads a single file', async () => {
    await app()`printf hello > /tmp/single`;
    const dest = join(scratch(), 'single');
    await download(app(), '/tmp/single', dest, { checksum: true });
    expect(readFileSync(dest, 'utf8')).toBe('hello');
  });

  it('a connection cut mid-upload leaves no partial file under the final name; the next upload removes the staged copy left', async () => {
    const proxy = await startDockerSocketProxy(join(scratch('fanout-cut-'), 'docker.sock'), socketPath);
    try {
      const viaProxy = () => createDockerTarget({ container: containers[0]!, socketPath: proxy.socketPath });
      const dir = `/tmp/cut-${Date.now()}`;
      const source = join(scratch(), 'big');
      writeFileSync(source, Buffer.alloc(64 * 1024 * 1024, 5));
      let cut = false;
      const error = await upload(viaProxy(), source, `${dir}/big`, {
        mkdirs: true,
        onProgress: ({ bytes }) => {
          if (!cut && bytes > 8 * 1024 * 1024) {
            cut = true;
            // Out of reach until the upload has failed, as in an outage: it cannot clean up itself.
            proxy.refuse(true);
            proxy.dropConnections();
          }
        },
      }).catch((e: unknown) => e);
      expect(cut).toBe(true);
      expect(['CONNECTION_LOST', 'TRANSFER_FAILED']).toContain((error as { code: string }).code);
      // The daemon extracted what came: the staged copy is there, under its hidden name only.
      expect((await app()`ls -A ${dir}`).stdout).toMatch(/^\.fanout-[0-9a-f]{12}\.big\n$/);

      proxy.refuse(false);
      await upload(viaProxy(), Buffer.from('again'), `${dir}/big`);
      expect((await app()`ls -A ${dir}; cat ${dir}/big`).stdout).toBe('big\nagain');
    } finally {
      await proxy.close();
    }
  });
});
