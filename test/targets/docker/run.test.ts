import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { CommandError } from '../../../src/errors.js';
import { processesIn } from '../../support/docker.js';

const { containers } = inject('docker');
const [first = ''] = containers;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('Docker target: running commands', () => {
  it('returns stdout, stderr and the exit code, naming the container', async () => {
    const result = await $.docker(first)`echo out; echo err >&2; exit 0`;
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, ok: true });
    expect(result.target).toBe(`docker://${first}`);

    const failure = await $.docker(`docker://${first}`)`echo oops >&2; exit 7`.catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CommandError);
    expect(failure).toMatchObject({
      exitCode: 7,
      signal: null,
      stderr: 'oops\n',
      target: `docker://${first}`,
    });
  });

  it('applies cwd, env, user and workdir', async () => {
    const shell = $.docker({
      container: first,
      user: 'nobody',
      workdir: '/tmp',
      env: { A: 'target', B: 'target' },
    });
    const result = await shell`id -u; pwd; echo "$A $B"`.env({ B: 'command' });
    expect(result.stdout).toBe('65534\n/tmp\ntarget command\n');
    expect(await $.docker(first)`pwd`.cwd('/bin').text()).toBe('/bin');
    expect(await $.docker(first)`id -u`.text()).toBe('0');
  });

  it('feeds stdin from a buffer and from a stream, byte-exact', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 * 64 }, (_, i) => i % 256));
    expect((await $.docker(first)`cat`.stdin(bytes).buffer()).equals(bytes)).toBe(true);
    const stream = Readable.from([Buffer.alloc(500_000, 'a'), Buffer.alloc(500_000, 'b')]);
    expect(await $.docker(first)`wc -c`.stdin(stream).text()).toBe('1000000');
    expect(await $.docker(first)`cat; echo done`.text()).toBe('done');
  });

  it('stands down the guard exec of a command with input once the command has ended', async () => {
    // The wrapper's pid is the command's process group, which the guard would kill.
    const group = await $.docker(first)`cat >/dev/null; echo $PPID`.stdin('input').text();
    const guards = async () => (await processesIn(first)).filter((line) => line.includes(`-${group} `));
    const deadline = Date.now() + 5000;
    while ((await guards()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await guards()).toEqual([]);
    expect(Number(group)).toBeGreaterThan(1);
  });

  it('delivers every byte of 200 concurrent commands over 4 containers before they resolve', async () => {
    const shells = containers.map((name) => $.docker(name));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        shells[i % shells.length]!`seq 1 ${i + 1}; echo "err ${i}" >&2; exit ${i % 3}`.nothrow(),
      ),
    );
    results.forEach((result, i) => {
      const lines = Array.from({ length: i + 1 }, (_, n) => `${n + 1}\n`).join('');
      expect(result).toMatchObject({ stdout: lines, stderr: `err ${i}\n`, exitCode: i % 3 });
    });
  }, 180_000);

  it('delivers 10 MB of binary stdout and 10 MB of stderr byte-exact', async () => {
    const shell = $.docker(first);
    const binary = shell`head -c 10485760 /dev/urandom > /tmp/big.$$; sha256sum < /tmp/big.$$ >&2; cat /tmp/big.$$; rm /tmp/big.$$`;
    const [binaryResult, text] = await Promise.all([
      binary,
      shell`seq 1 1400000 >&2; seq 1 1400000 | sha256sum`,
    ]);
    const bytes = await binary.buffer();
    expect(bytes.length).toBe(10 * 1024 * 1024);
    expect(sha256(bytes)).toBe(binaryResult.stderr.split(' ')[0]);
    expect(text.stderr.length).toBeGreaterThan(10 * 1000 * 1000);
    expect(sha256(text.stderr)).toBe(text.stdout.split(' ')[0]);
  });
});
