import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildExecArgv,
  buildKillArgv,
  findInvalidEnvName,
  parseWrapperHeader,
} from '../../../src/targets/kubernetes/wrapper.js';

/** Runs an exec argv with this machine's /bin/sh, as a container's `sh` would run it. */
function runHere(argv: readonly string[]) {
  const [program = '', ...args] = argv;
  const result = spawnSync(program, args, { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const [header = '', ...rest] = result.stdout.split('\n');
  return { header, stdout: rest.join('\n'), stderr: result.stderr, status: result.status, pid: result.pid };
}

describe('buildExecArgv', () => {
  it('passes the command, directory and variables as positional arguments of sh -c', () => {
    const argv = buildExecArgv({ command: 'echo hi', cwd: '/srv', env: { A: '1' } });
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['fanout', 'echo hi', '/srv', 'A=1']);
  });

  it('runs under /bin/sh here: header first, then the command in its directory and environment', () => {
    const tricky = `it's "quoted" $HOME \\ \n two lines`;
    const run = runHere(buildExecArgv({ command: 'pwd; printf "%s" "$V"', cwd: '/tmp', env: { V: tricky } }));
    expect(parseWrapperHeader(run.header)).toEqual({
      kind: 'started',
      pid: run.pid,
      pgid: expect.any(Number),
    });
    expect(run.stdout).toBe(`/tmp\n${tricky}`);
    expect(run.status).toBe(0);
  });

  it('runs under /bin/sh here: keeps the exit status of the command', () => {
    expect(runHere(buildExecArgv({ command: 'exit 7', cwd: undefined, env: {} })).status).toBe(7);
  });

  it('runs under /bin/sh here: reports a missing directory on the header line', () => {
    const run = runHere(buildExecArgv({ command: 'echo never', cwd: '/no/such/dir', env: {} }));
    expect(parseWrapperHeader(run.header)).toEqual({ kind: 'nocwd' });
    expect(run.stdout).toBe('');
    expect(run.status).toBe(126);
  });
});

describe('parseWrapperHeader', () => {
  it.each([
    ['fanout-k8s 42 42', { kind: 'started', pid: 42, pgid: 42 }],
    ['fanout-k8s 42 0', { kind: 'started', pid: 42, pgid: 0 }],
    ['fanout-k8s nocwd', { kind: 'nocwd' }],
    ['hello', undefined],
    ['fanout-k8s 42', undefined],
    ['fanout-k8s -1 2', undefined],
  ])('reads %j', (line, header) => {
    expect(parseWrapperHeader(line)).toEqual(header);
  });
});

describe('buildKillArgv', () => {
  it.each([
    [{ pid: 42, pgid: 42 }, 'SIGTERM', ['sh', '-c', 'kill -TERM -42 2>/dev/null || kill -TERM 42']],
    [{ pid: 42, pgid: 42 }, 'SIGKILL', ['sh', '-c', 'kill -KILL -42 2>/dev/null || kill -KILL 42']],
    // Not a group leader (or its leader is outside the pod's pid namespace): only the command itself.
    [{ pid: 42, pgid: 7 }, 'SIGTERM', ['sh', '-c', 'kill -TERM 42']],
    [{ pid: 42, pgid: 0 }, 'SIGINT', ['sh', '-c', 'kill -INT 42']],
  ] as const)('signals %j with %s', (started, signal, argv) => {
    expect(buildKillArgv(started, signal)).toEqual(argv);
  });
});

describe('findInvalidEnvName', () => {
  it.each([
    [{ A: '1', _b2: '2' }, undefined],
    [{ A: '1', 'B-C': '2' }, 'B-C'],
    [{ '1A': '1' }, '1A'],
    [{ 'A=B': '1' }, 'A=B'],
  ])('finds the bad name in %j', (env, name) => {
    expect(findInvalidEnvName(env)).toBe(name);
  });
});
