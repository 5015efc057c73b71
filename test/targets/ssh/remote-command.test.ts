import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildRemoteCommand,
  OutputReports,
  type RemoteReport,
} from '../../../src/targets/ssh/remote-command.js';

/** Runs the remote line as sshd would (the login shell's `-c`), here with the local /bin/sh. */
function runLocally(line: string) {
  const result = spawnSync('/bin/sh', ['-c', line], { encoding: 'buffer' });
  const forwarded: Buffer[] = [];
  const reports: RemoteReport[] = [];
  const filter = new OutputReports(
    (chunk) => forwarded.push(chunk),
    (report) => reports.push(report),
  );
  // Feed stdout one byte at a time: reports split over chunks are still found.
  for (const byte of result.stdout) filter.push(Buffer.from([byte]));
  filter.end();
  return { status: result.status, stdout: Buffer.concat(forwarded), stderr: result.stderr, reports };
}

describe('buildRemoteCommand', () => {
  it('runs the command with sh -c, keeping stdout and stderr byte-exact and the pgid report out of stdout', () => {
    const { status, stdout, stderr, reports } = runLocally(
      buildRemoteCommand({
        command: "printf 'a\\036b\\0c'; printf 'e\\036rr' >&2; exit 3",
        cwd: undefined,
        env: {},
      }),
    );
    expect(status).toBe(3);
    expect(stdout).toEqual(Buffer.from('a\x1eb\0c'));
    expect(stderr).toEqual(Buffer.from('e\x1err'));
    expect(reports).toEqual([{ pgid: expect.any(Number), shell: expect.any(String) }]);
  });

  it('enters cwd and exports env, quoted', () => {
    const { stdout } = runLocally(
      buildRemoteCommand({ command: 'pwd; printf %s "$X"', cwd: '/tmp', env: { X: "it's $HOME `x`" } }),
    );
    expect(stdout.toString()).toBe("/tmp\nit's $HOME `x`");
  });

  it('reports a missing cwd instead of running the command', () => {
    const { status, stdout, reports } = runLocally(
      buildRemoteCommand({ command: 'echo ran', cwd: '/no/such/dir', env: {} }),
    );
    expect([status, stdout.toString(), reports]).toEqual([127, '', [{ nocwd: true }]]);
  });

  it('can run directly in a login shell that is sh, with the same result', () => {
    const request = { command: 'echo "$0" $#; exit 4', cwd: '/tmp', env: { A: '1' }, noStdin: true };
    const direct = runLocally(buildRemoteCommand({ ...request, loginShellIsSh: true }));
    const wrapped = runLocally(buildRemoteCommand(request));
    expect([direct.status, direct.stdout.toString()]).toEqual([wrapped.status, wrapped.stdout.toString()]);
    expect(direct.status).toBe(4);
  });

  it('rejects env names a shell cannot export', () => {
    expect(() => buildRemoteCommand({ command: 'true', cwd: undefined, env: { 'A-B': '1' } })).toThrow(
      TypeError,
    );
  });
});

describe('OutputReports', () => {
  it('passes through output written before the report (rc files) and after it', () => {
    const out: string[] = [];
    const reports: RemoteReport[] = [];
    const filter = new OutputReports(
      (chunk) => out.push(chunk.toString()),
      (report) => reports.push(report),
    );
    filter.push(Buffer.from('motd\n\x1efanout:pg'));
    filter.push(Buffer.from('id=42,shell=/bin/sh\x1eafter'));
    filter.push(Buffer.from('\x1efanout:pgid=7,shell=x\x1e'));
    expect([out.join(''), reports]).toEqual([
      'motd\nafter\x1efanout:pgid=7,shell=x\x1e',
      [{ pgid: 42, shell: '/bin/sh' }],
    ]);
  });
});
