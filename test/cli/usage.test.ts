import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFleet, runCli } from '../support/cli.js';

describe.concurrent('fanout usage errors', { timeout: 180_000 }, () => {
  const { dir, inventory } = localFleet();
  const sideEffect = join(dir, 'ran');
  const job = `touch ${sideEffect}`;

  it.each([
    [['run', '-i', inventory, '@all', '-j', '0', '--', job], '--concurrency'],
    [['run', '-i', inventory, '@all', '--bogus', '--', job], '--bogus'],
    [['run', '-i', inventory, '@all', '--halt', 'sometimes', '--', job], '--halt'],
    [['run', '-i', inventory, '@all', '--batches', '0', '--', job], '--batches'],
    [['run', '-i', inventory, '@all', '--output', 'xml', '--', job], '--output'],
    [['run', '-i', inventory, '@all', '--timeout', 'soon', '--', job], '--timeout'],
    [['jobs', '-i', inventory, '@all', '--resume', '--', job, ':::', 'a'], '--resume'],
    [['run', '-i', inventory, '@all'], 'after `--`'],
    [['jobs', '-i', inventory, '@all', '--', job, ':::'], ':::'],
    [['run', '-i', inventory, 'nodee1', '--', job], 'did you mean node1'],
    [['run', '-i', inventory, '@hlf', '--', job], 'did you mean @half'],
    [['launch', '@all'], 'launch'],
  ])('%j exits 255 naming %s, and runs nothing', async (args, named) => {
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(named);
    expect(existsSync(sideEffect)).toBe(false);
  });

  it('names the inventory file and line of a mistake', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'targets:\n  alpha: local\n  beta: ftp://nowhere\n');
    const run = await runCli(['run', '-i', bad, '@all', '--', job]);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(`${bad}:3:`);
    expect(existsSync(sideEffect)).toBe(false);
  });

  it('documents the flags, examples and exit statuses in --help', async () => {
    const run = await runCli(['jobs', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--concurrency',
      '--per-target',
      '--timeout',
      '--retries',
      '--halt',
      '--batches',
      '--output',
      '--progress',
      '--joblog',
      '--resume',
      '--resume-failed',
      '--inventory',
      '--dry-run',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/255\s+usage or inventory error/);
    expect(run.stdout).toContain('Examples:');
  });

  it('shows what a selection resolves to', async () => {
    const run = await runCli(['targets', '-i', inventory, 'node[2-3]', '@half']);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(['NAME', 'node2', 'node3', 'node1']);
  });

  it('prints each exact command with --dry-run and runs nothing', async () => {
    const jobs = await runCli([
      'jobs',
      '-i',
      inventory,
      '@all',
      '--dry-run',
      '--',
      'touch',
      `${sideEffect}.{}`,
      ':::',
      'a b',
      "it's",
    ]);
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toBe(`#1\ttouch ${sideEffect}.'a b'\n#2\ttouch ${sideEffect}.'it'\\''s'\n`);
    const run = await runCli(['run', '-i', inventory, '@half', '--dry-run', '--', job]);
    expect(run.stdout).toBe(`node1\t${job}\nnode2\t${job}\n`);
    expect(existsSync(sideEffect)).toBe(false);
  });
});
