import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { dockerExec } from '../support/docker.js';
import { dockerInventory, sshInventory } from '../support/fleets.js';

const SSH_HOME = '/home/fanout-test';

/** Input files named `<prefix>-<n>.txt`, each of a different size, in `dir`. */
function makeInputs(dir: string, count: number): { prefix: string; names: string[] } {
  const prefix = `fanout-jt-${randomBytes(4).toString('hex')}`;
  const names = Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}.txt`);
  names.forEach((name, index) => writeFileSync(join(dir, name), 'x'.repeat(100 * (index + 1))));
  return { prefix, names };
}

/** What each job writes into its result: the size of the input it found, and where it ran. */
const COUNT_AND_PWD = 'wc -c < {} > {}.out && pwd >> {}.out';

function leftOver(dir: string, prefix: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(prefix));
}

/** `fanout jobs -i INVENTORY SELECTION FLAGS… --progress none -- COMMAND ::: ARGS…`, run in `dir`. */
const jobs = (
  dir: string,
  inventory: string,
  selection: string,
  flags: readonly string[],
  command: string,
  ...args: readonly string[]
) =>
  runCli(
    ['jobs', '-i', inventory, selection, ...flags, '--progress', 'none', '--', command, ':::', ...args],
    {
      cwd: dir,
    },
  );

describe('fanout jobs --transfer/--return/--cleanup over the sshd fixtures', { timeout: 300_000 }, () => {
  it('sends each input to the target running its job, fetches the result, and leaves nothing there', async () => {
    const { dir, inventory } = sshInventory();
    const { prefix, names } = makeInputs(dir, 6);
    const run = await jobs(
      dir,
      inventory,
      '@fixtures',
      ['--transfer', '--return', '{}.out', '--cleanup'],
      COUNT_AND_PWD,
      ...names,
    );
    expect(run.stderr).toMatch(/6 jobs in [\d.]+s: 6 ok/);
    expect(run.code).toBe(0);
    names.forEach((name, index) =>
      expect(readFileSync(join(dir, `${name}.out`), 'utf8')).toBe(`${100 * (index + 1)}\n${SSH_HOME}\n`),
    );
    expect(leftOver(SSH_HOME, prefix)).toEqual([]);
  });

  it('without --cleanup the sent input and the result stay on the target', async () => {
    const { dir, inventory } = sshInventory();
    const { prefix, names } = makeInputs(dir, 1);
    const run = await jobs(
      dir,
      inventory,
      'h1',
      ['--transfer', '--return', '{.}.res'],
      'cp {} {.}.res',
      names[0]!,
    );
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, `${prefix}-1.res`), 'utf8')).toBe('x'.repeat(100));
    expect(leftOver(SSH_HOME, prefix).sort()).toEqual([`${prefix}-1.res`, `${prefix}-1.txt`]);
    expect(readFileSync(join(SSH_HOME, `${prefix}-1.txt`), 'utf8')).toBe('x'.repeat(100));
    await runCli(['run', '-i', inventory, 'h1', '--progress', 'none', '--', `rm -f ${prefix}-*`], {
      cwd: dir,
    });
    expect(leftOver(SSH_HOME, prefix)).toEqual([]);
  });

  it('places inputs in subdirectories, the part after /./ below the working directory, and removes the directories it emptied', async () => {
    const { dir, inventory } = sshInventory();
    const top = `fanout-jt-${randomBytes(4).toString('hex')}`;
    mkdirSync(join(dir, 'local', top, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'local', top, 'sub', 'in.txt'), 'abc');
    const run = await jobs(
      dir,
      inventory,
      'h2',
      ['--transfer', '--return', `out/./${top}/sub/in.out`, '--cleanup'],
      `: {}; cat ${top}/sub/in.txt > ${top}/sub/in.out`,
      `local/./${top}/sub/in.txt`,
    );
    expect(run.stderr).toMatch(/1 job in [\d.]+s: 1 ok/);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'out', top, 'sub', 'in.out'), 'utf8')).toBe('abc');
    expect(existsSync(join(SSH_HOME, top))).toBe(false);
  });

  it('a missing input file fails its job with an error naming the file; the others run', async () => {
    const { dir, inventory } = sshInventory();
    const { prefix, names } = makeInputs(dir, 2);
    const missing = `${prefix}-missing.txt`;
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@fixtures',
        '--transfer',
        '--return',
        '{}.out',
        '--cleanup',
        '--progress',
        'none',
        '--',
        COUNT_AND_PWD,
        ':::',
        names[0]!,
        missing,
        names[1]!,
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/3 jobs in [\d.]+s: 2 ok, 1 failed/);
    expect(run.stdout + run.stderr).toContain(`--transfer: ${missing} does not exist here`);
    expect(readFileSync(join(dir, `${names[1]!}.out`), 'utf8')).toBe(`200\n${SSH_HOME}\n`);
    expect(existsSync(join(dir, `${missing}.out`))).toBe(false);
    expect(leftOver(SSH_HOME, prefix)).toEqual([]);
  });

  it('a result the job did not create fails the job, naming the file and the target', async () => {
    const { dir, inventory } = sshInventory();
    const { prefix, names } = makeInputs(dir, 1);
    const run = await jobs(
      dir,
      inventory,
      'h3',
      ['--transfer', '--return', '{}.out', '--cleanup'],
      'test -f {}',
      names[0]!,
    );
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain(
      `--return: the job did not create ${names[0]!}.out on ${inject('ssh').hosts[2]!.uri}`,
    );
    expect(leftOver(SSH_HOME, prefix)).toEqual([]);
  });

  it('--cleanup alone is a usage error naming the flag', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(['jobs', '-i', inventory, 'h1', '--cleanup', '--', 'true', ':::', 'a'], {
      cwd: dir,
    });
    expect(run.code).toBe(255);
    expect(run.stderr).toMatch(/^fanout: --cleanup: /);
  });
});

describe('fanout jobs --transfer/--return/--cleanup in a Docker container', { timeout: 300_000 }, () => {
  it('sends the inputs into the container, fetches the results, and leaves nothing there', async () => {
    const { dir, inventory } = dockerInventory();
    const container = inject('docker').containers[0]!;
    const { prefix, names } = makeInputs(dir, 3);
    const workdir = (await dockerExec(container, ['pwd'])).trim();
    const run = await jobs(
      dir,
      inventory,
      'c1',
      ['--transfer', '--return', '{}.out', '--cleanup'],
      COUNT_AND_PWD,
      ...names,
    );
    expect(run.stderr).toMatch(/3 jobs in [\d.]+s: 3 ok/);
    expect(run.code).toBe(0);
    names.forEach((name, index) =>
      expect(readFileSync(join(dir, `${name}.out`), 'utf8')).toBe(`${100 * (index + 1)}\n${workdir}\n`),
    );
    const listing = await dockerExec(container, ['ls', '-a', workdir]);
    expect(listing.split('\n').filter((name) => name.startsWith(prefix))).toEqual([]);
  });

  it('a result the job did not create fails the job, naming the container', async () => {
    const { dir, inventory } = dockerInventory();
    const { names } = makeInputs(dir, 1);
    const run = await jobs(
      dir,
      inventory,
      'c1',
      ['--transfer', '--return', '{.}.none', '--cleanup'],
      'cat {}',
      names[0]!,
    );
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/--return: the job did not create .*-1\.none on docker:\/\//);
  });
});
