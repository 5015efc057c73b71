import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { closeSshConnections } from '../../src/targets/ssh/index.js';
import { download, upload } from '../../src/transfer/transfer.js';
import { startSshd, type ExtraSshd } from '../support/sshd.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';
import { ownedScratch, scratch } from './tree.js';

let sshd: ExtraSshd;

beforeAll(async () => {
  // An sshd of this file's own that serves SFTP and nothing else, whatever command a session asks for.
  sshd = await startSshd(fixtures(), { host: '127.0.0.24', sshdConfig: ['ForceCommand internal-sftp'] });
});

afterAll(async () => {
  await closeSshConnections();
  await sshd?.stop();
});

describe('an SSH host that only serves SFTP', () => {
  // Nothing of it may need a shell: the staging sweep, when an upload needs one, is a command, which fails here.
  it('takes and gives single files', { timeout: 30_000 }, async () => {
    const shell = $.ssh(optionsFor(sshd.host, { knownHostsFile: sshd.knownHostsFile }));
    const dir = ownedScratch(sshd.host.user);
    const remote = join(dir, 'data.bin');
    const data = Buffer.from('only sftp here\n'.repeat(1000));
    await upload(shell, data, remote);
    expect(readFileSync(remote)).toEqual(data);
    expect(readdirSync(dir)).toEqual(['data.bin']);
    const back = join(scratch(), 'back.bin');
    await download(shell, remote, back);
    expect(readFileSync(back)).toEqual(data);
  });
});
