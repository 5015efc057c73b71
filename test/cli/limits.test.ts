import { execFile } from 'node:child_process';
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
});
