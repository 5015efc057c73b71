import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, localFleet, runCli, startCli } from '../support/cli.js';

const records = (joblog: string) =>
  readFileSync(joblog, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .sort((a, b) => Number(a[0]) - Number(b[0]));

describe('fanout jobs input', { timeout: 120_000 }, () => {
  it('a stdin line holding a NUL byte is one failed job, recorded; the other jobs run', async () => {
    const { dir, inventory } = localFleet(2);
    const joblog = join(dir, 'run.log');
    const run = startCli(
      ['jobs', '-i', inventory, '@all', '--progress', 'none', '--joblog', joblog, '--', 'echo got {}'],
      { cwd: dir, input: 'a\nb\0c\nd\n' },
    );
    const result = await run.result;
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('internal error');
    expect(result.stderr).toContain('argument 1 of job #2 holds a NUL byte');
    expect(
      result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(': ')[1])
        .sort(),
    ).toEqual(['got a', 'got d']);
    expect(records(joblog).map((row) => [row[0], row[6]])).toEqual([
      ['1', '0'],
      ['2', '-1'],
      ['3', '0'],
    ]);
  });

  // Each job prints the bytes its argument reached the command with, in hex, wherever {} stands.
  const HEX = `for w in {} '{}' "{}" "<{}>"; do printf %s "$w" | od -An -tx1 | tr -d ' \\n'; echo; done`;
  const hexLines = (stdout: string): string[] =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/^[^:]*: /, ''));

  it('a stdin line that is not UTF-8 reaches the command with its exact bytes, bare and in quotes', async () => {
    const { dir, inventory } = localFleet(1);
    const result = await runCli(['jobs', '-i', inventory, '@all', '--progress', 'none', '-k', '--', HEX], {
      cwd: dir,
      input: Buffer.from([0x6f, 0x6b, 0x0a, 0xff, 0x27, 0xfe, 0x61, 0xc3, 0x0a, 0xe9, 0x0a]),
    });
    expect(result.code).toBe(0);
    expect(hexLines(result.stdout)).toEqual([
      ...['6f6b', '6f6b', '6f6b', '3c6f6b3e'],
      ...['ff27fe61c3', 'ff27fe61c3', 'ff27fe61c3', '3cff27fe61c33e'],
      ...['e9', 'e9', 'e9', '3ce93e'],
    ]);
  });

  it('a command-line argument that is not UTF-8 reaches the command with its exact bytes', () => {
    // Node itself cannot pass such an argument to a child; sh can.
    const result = spawnSync(
      'sh',
      [
        '-c',
        `node ${CLI} jobs local --progress none -k -- "$HEX" ::: "$(printf 'a\\377b')" "$(printf '\\351')"`,
      ],
      { encoding: 'utf8', env: { ...process.env, HEX } },
    );
    expect(result.status).toBe(0);
    expect(hexLines(result.stdout)).toEqual([
      ...['61ff62', '61ff62', '61ff62', '3c61ff623e'],
      ...['e9', 'e9', 'e9', '3ce93e'],
    ]);
  });

  it('a command whose own text is not UTF-8 is a usage error, never run with its bytes replaced', () => {
    for (const words of [
      `jobs local -- "$(printf 'echo \\377 {}')" ::: a`,
      `run local -- "$(printf 'echo \\377')"`,
    ]) {
      const result = spawnSync('sh', ['-c', `node ${CLI} ${words}`], { encoding: 'utf8' });
      expect(result.status, words).toBe(255);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('the command holds bytes that are not UTF-8 (offset 5)');
    }
  });

  it('a selection that matches no target is a usage error naming it, and the old joblog stays whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-cli-'));
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, 'targets: {}\n');
    const joblog = join(dir, 'run.log');
    writeFileSync(
      joblog,
      'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\tx\t1\t1\t0\t0\t0\t0\ttrue\n',
    );
    const before = readFileSync(joblog, 'utf8');
    const result = await runCli(['run', '-i', empty, '@all', '--joblog', joblog, '--', 'true'], { cwd: dir });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/@all: selects no target \(the inventory .*empty\.yaml has none\)/);
    expect(result.stderr).not.toContain('internal error');
    expect(readFileSync(joblog, 'utf8')).toBe(before);
  });

  it('no joblog is replaced before the run starts a job', async () => {
    const { dir, inventory } = localFleet(2);
    const joblog = join(dir, 'run.log');
    writeFileSync(
      joblog,
      'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\tx\t1\t1\t0\t0\t0\t0\ttrue\n',
    );
    const before = readFileSync(joblog, 'utf8');
    for (const args of [
      ['jobs', '-i', inventory, '@nosuch', '--joblog', joblog, '--', 'echo {}', ':::', 'a'],
      ['jobs', '-i', inventory, '@all', '--joblog', joblog, '-j', '0', '--', 'echo {}', ':::', 'a'],
      ['jobs', '-i', inventory, '@all', '--joblog', joblog, '--', ':::', 'a'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code).toBe(255);
      expect(readFileSync(joblog, 'utf8')).toBe(before);
    }
    const fresh = join(dir, 'fresh.log');
    await runCli([
      'jobs',
      '-i',
      inventory,
      '@all',
      '--joblog',
      fresh,
      '--progress',
      'none',
      '--',
      'true {}',
      ':::',
      'a',
    ]);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });
});
