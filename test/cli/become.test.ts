import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';
import { processesMatching, uniqueSleep, waitFor } from '../support/processes.js';

/** sudo rules for the fixture user: root without a password, `nobody` with the user's own password. */
const SUDOERS = '/etc/sudoers.d/fanout-become-test';
const PASSWORD = `Pw-${randomBytes(8).toString('hex')}`;

describe('--become over the sshd fixtures (sudo on this machine)', { timeout: 120_000 }, () => {
  beforeAll(() => {
    const user = inject('ssh').user;
    writeFileSync(SUDOERS, `${user} ALL=(root) NOPASSWD: ALL\n${user} ALL=(nobody) ALL\n`, { mode: 0o440 });
    execFileSync('visudo', ['-cf', SUDOERS]);
    execFileSync('chpasswd', { input: `${user}:${PASSWORD}\n` });
  });
  afterAll(() => rmSync(SUDOERS, { force: true }));

  it('runs the command as root through sudo -n, where sudo needs no password', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        'h1',
        'h2',
        '--become',
        '--progress',
        'none',
        '--output',
        'collapse',
        '--',
        'id -un',
      ],
      { cwd: dir },
    );
    expect(run.stdout).toContain('\nroot\n');
    expect(run.code).toBe(0);
  });

  it('fails rather than waits when sudo wants a password and none was given', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      ['run', '-i', inventory, 'h1', '--become', 'nobody', '--progress', 'none', '--', 'id -un'],
      { cwd: dir },
    );
    expect(run.stdout + run.stderr).toContain('a password is required');
    expect(run.code).toBe(1);
  });

  it('feeds the password to sudo on stdin and masks it in output, joblog, JSON and ps', async () => {
    const { dir, inventory } = sshInventory();
    const joblog = join(dir, 'become.joblog');
    // The command prints the password (from a file on the fixture host) to show that it is masked on the way out.
    const shown = join(dir, 'shown');
    writeFileSync(shown, `${PASSWORD}\n`, { mode: 0o644 });
    chmodSync(dir, 0o755);
    const { command: sleep, marker } = uniqueSleep();
    const args = ['-i', inventory, 'h1', '--become', 'nobody', '--ask-become-pass', '--joblog', joblog];
    const started = startCli(
      [
        'jobs',
        ...args,
        '--output',
        'json',
        '--progress',
        'plain',
        '--',
        `id -un; cat ${shown}; ${sleep} # {}`,
        ':::',
        '1',
      ],
      { cwd: dir, env: { FANOUT_BECOME_PASS: PASSWORD } },
    );
    // The remote sleep itself (the CLI's own argv names it too), running as nobody.
    const remote = () => processesMatching(marker).filter((line) => line.startsWith('sleep '));
    await waitFor(() => remote().length > 0, 30_000);
    const everyArgv = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
    started.child.kill('SIGINT');
    const run = await started.result;
    expect(run.stdout).toContain('"line":"nobody"');
    expect(run.stdout).toContain('"line":"***"');
    expect(everyArgv).not.toContain(PASSWORD);
    expect(readFileSync(joblog, 'utf8')).not.toContain(PASSWORD);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('is a usage error without a terminal or FANOUT_BECOME_PASS to read the password from', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(
      ['run', '-i', inventory, 'h1', '--become', 'nobody', '--ask-become-pass', '--', 'true'],
      { cwd: dir, env: { FANOUT_BECOME_PASS: '' } },
    );
    expect(run.stderr).toContain('--ask-become-pass: stdin is not a terminal');
    expect(run.code).toBe(255);
  });
});
