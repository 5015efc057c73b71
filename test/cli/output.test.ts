import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, localFleet, runCli } from '../support/cli.js';

describe.concurrent('fanout output modes', { timeout: 180_000 }, () => {
  const { dir, inventory } = localFleet(4);

  it('tag streams whole lines prefixed with their target, never half lines', async () => {
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        '@all',
        '--progress',
        'none',
        '--',
        'printf "first "; sleep 0.2; printf "half\\n"; echo oops >&2',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').sort();
    expect(lines).toEqual([
      'node1: first half',
      'node2: first half',
      'node3: first half',
      'node4: first half',
    ]);
    expect(run.stderr).toContain('node3: oops');
  });

  it('group prints each job’s output together when it ends', async () => {
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '4',
        '--output',
        'group',
        '--progress',
        'none',
        '--',
        'for i in 1 2 3; do echo {}-$i; sleep 0.1; done',
        ':::',
        'a',
        'b',
        'c',
        'd',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    for (const arg of ['a', 'b', 'c', 'd']) {
      const header = lines.findIndex(
        (line) =>
          /── node\d #\d: ok in [\d.]+s ──/.test(line) && lines[lines.indexOf(line) + 1] === `${arg}-1`,
      );
      expect(header).toBeGreaterThanOrEqual(0);
      expect(lines.slice(header + 1, header + 4)).toEqual([`${arg}-1`, `${arg}-2`, `${arg}-3`]);
    }
  });

  it('collapse shows each distinct output once with the folded list of targets', async () => {
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        '@all',
        '--output',
        'collapse',
        '--progress',
        'none',
        '--',
        'echo same; case $PPID in *) true;; esac',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('----------------\nnode[1-4] (4): ok\n----------------\nsame\n');
    const split = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--output',
        'collapse',
        '--progress',
        'none',
        '--',
        'echo v$(( {} % 2 )); exit $(( {} % 2 ))',
        ':::',
        '1',
        '2',
        '3',
        '4',
      ],
      { cwd: dir },
    );
    expect(split.code).toBe(2);
    expect(split.stdout).toContain('#[1,3] (2): exit 1\n----------------\nv1\n');
    expect(split.stdout).toContain('#[2,4] (2): ok\n----------------\nv0\n');
  });

  it('json writes one object per line: events, a result per job, the summary last', async () => {
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--output',
        'json',
        '--progress',
        'none',
        '--',
        'echo out-{}; exit $(( {} == 3 ))',
        ':::',
        '1',
        '2',
        '3',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    const records = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ends = records.filter((record) => record.type === 'end');
    expect(ends.map((record) => [record.seq, record.args, record.exitCode, record.stage]).sort()).toEqual([
      [1, ['1'], 0, 'run'],
      [2, ['2'], 0, 'run'],
      [3, ['3'], 1, 'run'],
    ]);
    const outputs = records.filter((record) => record.type === 'output');
    expect(outputs.map((record) => `${record.seq}:${record.line}`).sort()).toEqual([
      '1:out-1',
      '2:out-2',
      '3:out-3',
    ]);
    expect(records.at(-1)).toMatchObject({ type: 'summary', total: 3, ok: 2, failed: 1, exitCode: 1 });
  });

  it('plain progress writes lines without escape codes, and a summary', async () => {
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--progress',
        'plain',
        '--',
        'sleep 0.1',
        ':::',
        '1',
        '2',
        '3',
        '4',
        '5',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('\x1b');
    expect(run.stderr).toMatch(/5\/5 done, 0 failed, 0 running/);
    expect(run.stderr).toMatch(
      /5 jobs in [\d.]+s: 5 ok, 0 failed, 0 timed out, 0 unreachable, 0 canceled, 0 skipped/,
    );
  });

  it('reads one job per stdin line when there is no :::', async () => {
    const run = await runCli(
      ['jobs', '-i', inventory, '@all', '--progress', 'none', '--output', 'group', '--', 'echo got {}'],
      { cwd: dir, input: 'x y\nz\n\n' },
    );
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .split('\n')
        .filter((line) => line.startsWith('got'))
        .sort(),
    ).toEqual(['got x y', 'got z']);
  });
});

/** Runs a shell command line under a pseudo-terminal (util-linux `script`) and returns what it wrote. */
function runScript(command: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { cwd, encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

describe('fanout on a terminal', { timeout: 180_000 }, () => {
  const { dir, inventory } = localFleet(2);
  const jobs = `node ${CLI} jobs -i ${inventory} @all -j 2 -- 'sleep 0.3; echo {}' ::: 1 2 3 4 5 6`;

  it('draws a live status line under the output, and colours unless NO_COLOR is set', async () => {
    const coloured = await runScript(`env -u NO_COLOR ${jobs}`, dir);
    expect(coloured).toContain('\r\x1b[K');
    expect(coloured).toMatch(/\d\/6 done, 0 failed, \d running/);
    expect(coloured).toContain('\x1b[36m');
    const plain = await runScript(`NO_COLOR=1 ${jobs}`, dir);
    expect(plain).toContain('\r\x1b[K');
    expect(plain).not.toMatch(new RegExp(`${String.fromCharCode(27)}\\[3\\dm`));
  });
});
