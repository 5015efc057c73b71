import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFleet, runCli } from '../support/cli.js';
import { dockerInventory, sshInventory } from '../support/fleets.js';

type Line = { type: string; seq?: number; line?: string; target?: string };
const json = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
/** The output lines of a `--output json` run, in job order. */
const outputs = (stdout: string): string[] =>
  json(stdout)
    .filter((record) => record.type === 'output')
    .sort((a, b) => a.seq! - b.seq!)
    .map((record) => record.line!);

const QUIET = ['--progress', 'none', '--output', 'json'];

describe.concurrent("fanout jobs reads GNU parallel's input language", { timeout: 240_000 }, () => {
  const { dir, inventory } = localFleet(2);
  const jobs = (args: readonly string[], input?: string) =>
    runCli(['jobs', '-i', inventory, '@all', ...QUIET, ...args], {
      cwd: dir,
      ...(input === undefined ? {} : { input }),
    });

  it('runs every combination of several ::: sources, the last varying fastest', async () => {
    const run = await jobs(['--', 'echo {1}-{2} {}', ':::', 'a', 'b', ':::', '1', '2']);
    expect(outputs(run.stdout)).toEqual(['a-1 a 1', 'a-2 a 2', 'b-1 b 1', 'b-2 b 2']);
    expect(run.code).toBe(0);
  });

  it('pairs sources with --link, reusing the shorter one, and with :::+ up to the shortest', async () => {
    const linked = await jobs(['--link', '--', 'echo {1}{2}', ':::', 'a', 'b', 'c', ':::', '1', '2']);
    expect(outputs(linked.stdout)).toEqual(['a1', 'b2', 'c1']);
    const plus = await jobs(['--', 'echo {1}{2}{3}', ':::', 'a', 'b', 'c', ':::+', '1', '2', ':::', 'x']);
    expect(outputs(plus.stdout)).toEqual(['a1x', 'b2x']);
  });

  it('reads :::: files line by line, mixed with ::: and stdin as -', async () => {
    const file = join(dir, 'names.txt');
    writeFileSync(file, 'dir/one.tar.gz\ntwo words.txt\n');
    const run = await jobs(
      ['--', 'echo {1.} {1/} {1//} {1/.} {2} {3}', '::::', file, ':::', 'X', '::::', '-'],
      'in\n',
    );
    expect(outputs(run.stdout)).toEqual([
      'dir/one.tar one.tar.gz dir one.tar X in',
      'two words two words.txt . two words X in',
    ]);
  });

  it('splits lines into columns with --colsep, and numbers jobs with {#}', async () => {
    const run = await jobs(['--colsep', ',\\s*', '--', 'echo {#}:{2}:{1}'], 'a, b\nc,d\n');
    expect(outputs(run.stdout)).toEqual(['1:b:a', '2:d:c']);
  });

  it('gives each job n arguments with -N, the last one fewer', async () => {
    const run = await jobs(['-N', '2', '--', "printf '<%s>' {1} {2}; echo", ':::', 'a', 'b', 'c']);
    expect(outputs(run.stdout)).toEqual(['<a><b>', '<c><>']);
  });

  it('packs arguments with -m (spread over the job slots) and repeats the word around {} with -X', async () => {
    const many = await jobs(['-j', '2', '-m', '--', 'echo {}', ':::', '1', '2', '3', '4']);
    expect(outputs(many.stdout)).toEqual(['1 2', '3 4']);
    const context = await jobs(['-j', '1', '-X', '--', 'echo x{}.y', ':::', 'a', 'b c']);
    expect(outputs(context.stdout)).toEqual(['xa.y xb c.y']);
  });

  it('passes hostile arguments as exactly one argument wherever {} stands', async () => {
    const hostile = `it's "q" $(touch pwned) \`x\` \\ ; | & *`;
    const run = await jobs(['--', `printf '<%s>' {} '{}' "{}" 'a{}b'; echo`, ':::', hostile]);
    expect(outputs(run.stdout)).toEqual([`<${hostile}><${hostile}><${hostile}><a${hostile}b>`]);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('appends the arguments, quoted, when the template has no {}', async () => {
    const run = await jobs(['--', "printf '<%s>'", ':::', 'a b']);
    expect(outputs(run.stdout)).toEqual(['<a b>']);
  });

  it('numbers {%} slots from 1 up to the concurrency', async () => {
    const run = await jobs(['-j', '2', '--', 'sleep 0.2; echo {%}; : {}', ':::', '1', '2', '3', '4', '5']);
    const slots = outputs(run.stdout).map(Number);
    expect(slots).toHaveLength(5);
    for (const slot of slots) expect([1, 2]).toContain(slot);
  });

  it('cuts stdin into chunks with --pipe, at line ends, each one job’s stdin', async () => {
    const lines = Array.from({ length: 25 }, (_, index) => `line ${index + 1}`).join('\n') + '\n';
    const byRecords = await jobs(['--pipe', '-N', '10', '--', 'echo {#} $(wc -l)'], lines);
    expect(outputs(byRecords.stdout)).toEqual(['1 10', '2 10', '3 5']);
    const byBlock = await jobs(['--pipe', '--block', '100', '--', 'cat'], lines);
    expect(outputs(byBlock.stdout).join('\n') + '\n').toBe(lines);
    expect(json(byBlock.stdout).filter((record) => record.type === 'end').length).toBeGreaterThan(1);
  });

  it.each([
    [['--', 'echo {3}', ':::', 'a', ':::', 'b'], '{3}'],
    [['--', 'echo {..}', ':::', 'a'], '{..}'],
    [['--', 'echo {=s/a/b/=}', ':::', 'a'], '{=s/a/b/=}'],
    [['--', 'echo', '::::', 'no-such-file'], 'no-such-file'],
    [['--', 'echo', ':::', 'a', ':::'], ':::'],
    [['--block', '1k', '--', 'cat', ':::', 'a'], '--block'],
    [['--pipe', '--', 'cat {}'], '--pipe'],
    [['--pipe', '--', 'cat', ':::', 'a'], '--pipe'],
    [['-X', '-m', '--', 'echo', ':::', 'a'], '-X'],
    [['-X', '--', 'echo {1}', ':::', 'a'], '-X'],
    [['--colsep', '(', '--', 'echo', ':::', 'a'], '--colsep'],
    [['-N', '0', '--', 'echo', ':::', 'a'], '-N'],
    [['--semaphore', '--', 'echo', ':::', 'a'], '--semaphore'],
  ])('%j is a usage error naming %s, and runs nothing', async (args, named) => {
    const run = await jobs(args.map((arg) => (arg === 'echo' ? 'touch ran' : arg)));
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(named);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('says in --help that arguments are appended to a template without {}', async () => {
    const run = await runCli(['jobs', '--help']);
    expect(run.stdout).toContain('without {} gets the arguments appended');
    for (const flag of ['--link', '--colsep', '--max-args', '-X', '-m', '--pipe', '--block']) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe('fanout jobs input over SSH and Docker', { timeout: 300_000 }, () => {
  it('feeds --pipe chunks to commands on the sshd fixtures', async () => {
    const { dir, inventory } = sshInventory();
    const input = Array.from({ length: 40 }, (_, index) => `${index}`).join('\n') + '\n';
    const run = await runCli(
      ['jobs', '-i', inventory, '@fixtures', ...QUIET, '--pipe', '-N', '5', '--', 'wc -l'],
      {
        cwd: dir,
        input,
      },
    );
    expect(outputs(run.stdout).map((line) => line.trim())).toEqual(Array(8).fill('5'));
    expect(
      new Set(
        json(run.stdout)
          .map((record) => record.target)
          .filter(Boolean),
      ).size,
    ).toBeGreaterThan(1);
    expect(run.code).toBe(0);
  });

  it('combines sources with positional replacement strings in the Docker fixtures', async () => {
    const { dir, inventory } = dockerInventory();
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        ...QUIET,
        '--',
        "echo {1}/{2/.} '{2}'",
        ':::',
        'a',
        'b',
        ':::',
        "p/it's.x",
      ],
      { cwd: dir },
    );
    expect(outputs(run.stdout)).toEqual(["a/it's p/it's.x", "b/it's p/it's.x"]);
    expect(run.code).toBe(0);
  });
});
