import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandPathTemplate } from '../../src/cli/commands/job-files.js';
import { placeJobPath } from '../../src/transfer/job-files.js';
import { localFleet, runCli } from '../support/cli.js';

describe('placeJobPath', () => {
  it.each([
    ['tmp/foo/bar', { local: 'tmp/foo/bar', remote: 'tmp/foo/bar' }],
    ['/tmp/foo/bar', { local: '/tmp/foo/bar', remote: '/tmp/foo/bar' }],
    ['/tmp/./foo/bar', { local: '/tmp/foo/bar', remote: 'foo/bar' }],
    ['tmp/./foo/bar', { local: 'tmp/foo/bar', remote: 'foo/bar' }],
    ['./a.txt', { local: './a.txt', remote: 'a.txt' }],
  ])('places %s as GNU parallel does', (path, placed) => {
    expect(placeJobPath(path)).toEqual(placed);
  });

  it.each(['.', '..', '../up.txt', 'a/../../up.txt', '/', 'dir/./'])(
    'refuses %s, which is not a file below the working directory',
    (path) => {
      expect(() => placeJobPath(path)).toThrow(TypeError);
    },
  );
});

describe('expandPathTemplate', () => {
  it.each([
    ['{}.out', ['logs/a.gz'], 'logs/a.gz.out'],
    ['{.}.out', ['logs/a.gz'], 'logs/a.out'],
    ['out/{/.}.bz2', ['logs/a.gz'], 'out/a.bz2'],
    ['{//}/done', ['logs/a.gz'], 'logs/done'],
    ['{2}-{1/}', ['x/y.txt', 'b'], 'b-y.txt'],
    ['r{#}.txt', ['a'], 'r7.txt'],
    ['{} x', ['it has spaces', "it's"], "it has spaces it's x"],
  ])('%s with %j is %s, unquoted', (template, args, path) => {
    expect(expandPathTemplate(template, args, 7)).toBe(path);
  });
});

describe('fanout jobs --transfer/--return on a local target', { timeout: 120_000 }, () => {
  it('moves nothing and removes nothing: the files are already where the job runs', async () => {
    const { dir, inventory } = localFleet(1);
    writeFileSync(join(dir, 'in.txt'), 'abc');
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        'node1',
        '--transfer',
        '--return',
        '{.}.out',
        '--cleanup',
        '--progress',
        'none',
        '--',
        'wc -c < {} > {.}.out',
        ':::',
        'in.txt',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'in.txt'), 'utf8')).toBe('abc');
    expect(readFileSync(join(dir, 'in.out'), 'utf8').trim()).toBe('3');
  });

  it('a missing input or result still fails the job, naming the file', async () => {
    const { dir, inventory } = localFleet(1);
    writeFileSync(join(dir, 'in.txt'), 'abc');
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        'node1',
        '--transfer',
        '--return',
        '{}.out',
        '--progress',
        'none',
        '--',
        'cat {}',
        ':::',
        'in.txt',
        'gone.txt',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('--transfer: gone.txt does not exist here');
    expect(run.stdout + run.stderr).toContain('--return: the job did not create in.txt.out');
    expect(existsSync(join(dir, 'in.txt.out'))).toBe(false);
  });
});
