import { execFile, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';

/** Runs a shell command line under a pseudo-terminal (util-linux `script`) and returns what it wrote. */
function runOnTerminal(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

const ESC = '\x1b';

describe.concurrent('fanout limits', { timeout: 120_000 }, () => {
  // A colour, a window title (OSC … BEL), a carriage return and a C1 CSI (U+009B) from the job.
  const hostile = `printf 'a\\033[31mred\\033]0;owned\\007 x\\ry \\302\\2332J\\tz\\n'`;

  for (const mode of ['tag', 'group'] as const) {
    it(`${mode} shows a job's control characters on a terminal instead of passing them on`, async () => {
      const shown = await runOnTerminal(
        `node ${CLI} jobs local --progress none --output ${mode} -- "${hostile} # {}" ::: 1`,
      );
      expect(shown).toContain('a^[[31mred^[]0;owned^G x^My M-^[2J\tz');
      expect(shown).not.toContain(`${ESC}[31m`);
      expect(shown).not.toContain(`${ESC}]0;`);
      const raw = await runOnTerminal(
        `node ${CLI} jobs local --progress none --output ${mode} --raw-output -- "${hostile} # {}" ::: 1`,
      );
      expect(raw).toContain(`a${ESC}[31mred${ESC}]0;owned\x07 x`);
    });
  }

  it('passes control characters unchanged into a pipe, where nothing interprets them', async () => {
    const run = await runCli(['jobs', 'local', '--progress', 'none', '--', `${hostile} # {}`, ':::', '1']);
    expect(run.stdout).toContain(`a${ESC}[31mred${ESC}]0;owned\x07 x\ry`);
  });

  it('cuts a long command in the summary, saying how much was left out', async () => {
    const padding = 'p'.repeat(5000);
    const run = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '--',
      `exit 3 # ${padding} {}`,
      ':::',
      '1',
    ]);
    expect(run.code).toBe(1);
    const line = run.stderr.split('\n').find((each) => each.includes('exit 3 '))!;
    expect(line).toMatch(/exit 3 # p+… \(\d+ more characters\)/);
    expect(line.length).toBeLessThan(400);
  });

  it('refuses a range selection of more than a million names with a usage error', async () => {
    const run = await runCli(['run', '--progress', 'none', 'a[1-100000][1-100000]', '--', 'true']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('stands for 10,000,000,000 names; a selection may name at most 1,000,000');
  });

  it('fails a job whose command is over the argument limit, saying its size and the limit', async () => {
    const fits = await runCli(['jobs', 'local', '--progress', 'none', '--', 'echo {} | wc -c'], {
      input: `${'a'.repeat(130_000)}\n`,
    });
    expect(fits.code).toBe(0);
    expect(fits.stdout).toBe('local #1: 130001\n');
    const run = await runCli(['jobs', 'local', '--progress', 'none', '--', 'echo {} | wc -c'], {
      input: `${'a'.repeat(200_000)}\n${'b'.repeat(10)}\n`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('local #2: 11\n');
    expect(run.stderr).toContain('the command is too long (200013 bytes; sh -c takes at most 131071)');
    // The summary shows the command cut short, not 200 KB of it.
    expect(run.stderr.length).toBeLessThan(2000);
  });

  it('refuses percentage batches over stdin, whose number of jobs is not known before it ends', async () => {
    const run = await runCli(['jobs', 'local', '--batches', '1,50%', '--progress', 'none', '--', 'echo {}'], {
      input: 'a\nb\n',
    });
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('--batches: `50%` is a share of all jobs');
    const listed = await runCli([
      'jobs',
      'local',
      '--batches',
      '1,50%',
      '--progress',
      'plain',
      '--',
      'echo {}',
      ':::',
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('batch 1 (1 jobs) done');
    expect(listed.stderr).toContain('batch 2 (2 jobs) done');
  });

  it('starts jobs from stdin before stdin ends', async () => {
    const child = spawn(process.execPath, [CLI, 'jobs', 'local', '--progress', 'none', '--', 'echo got {}'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    child.stdin.write('first\n');
    let stdout = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('got first')) resolve();
      }),
    );
    child.stdin.end('second\n');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe('local #1: got first\nlocal #2: got second\n');
  });

  it('refuses a -j the open-file limit cannot hold, and lowers the default to fit', async () => {
    const underLimit = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          'prlimit',
          ['--nofile=128:128', process.execPath, CLI, ...args],
          (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
        );
        child.stdin?.end();
      });
    const numbers = Array.from({ length: 60 }, (_, index) => String(index + 1));
    const refused = await underLimit([
      'jobs',
      'local',
      '-j',
      '100',
      '--progress',
      'none',
      '--',
      'echo {}',
      ':::',
      ...numbers,
    ]);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(
      /^fanout: -j: 100 jobs at once do not fit the open-file limit of 128 \(ulimit -n\): at most \d+ do/,
    );
    expect(refused.stdout).toBe('');
    const lowered = await underLimit([
      'jobs',
      'local',
      '--progress',
      'none',
      '--',
      'echo {}',
      ':::',
      ...numbers,
    ]);
    expect(lowered.code).toBe(0);
    expect(lowered.stdout.trim().split('\n')).toHaveLength(60);
    // -j above the limit is fine when there are fewer jobs than that.
    const few = await underLimit([
      'jobs',
      'local',
      '-j',
      '100',
      '--progress',
      'none',
      '--',
      'echo {}',
      ':::',
      '1',
      '2',
    ]);
    expect(few.code).toBe(0);
  });
});
