import { describe, expect, inject, it } from 'vitest';
import { processesIn } from '../support/docker.js';
import { uniqueSleep } from '../support/processes.js';
import { runCli } from '../support/cli.js';
import { dockerInventory, sshInventory } from '../support/fleets.js';

const PROBE = 'tty; [ -t 1 ] && echo stdout-is-a-terminal || echo stdout-is-not-a-terminal';

describe('--tty over the sshd fixtures', { timeout: 120_000 }, () => {
  it('gives the command a terminal with --tty and none without', async () => {
    const { dir, inventory } = sshInventory();
    const base = ['run', '-i', inventory, 'h1', 'h2', '--progress', 'none', '--output', 'group'];
    const withTty = await runCli([...base, '--tty', '--', PROBE], { cwd: dir });
    expect(withTty.stdout).toMatch(/^\/dev\/pts\/\d+$/m);
    expect(withTty.stdout.match(/^stdout-is-a-terminal$/gm)).toHaveLength(2);
    // Lines end in \n alone: the terminal does not turn them into \r\n.
    expect(withTty.stdout).not.toContain('\r');
    expect(withTty.code).toBe(0);
    const without = await runCli([...base, '--', PROBE], { cwd: dir });
    expect(without.stdout).toContain('not a tty');
    expect(without.stdout.match(/^stdout-is-not-a-terminal$/gm)).toHaveLength(2);
  });

  it('passes the command with its quotes and control characters through the terminal unchanged', async () => {
    const { dir, inventory } = sshInventory();
    const command = `printf '%s|\\n' "a  'b'"; echo 'x\x03y'; printf 'c\\rd\\n'`;
    const args = ['-i', inventory, 'h1', '--tty', '--progress', 'none', '--output', 'group', '--', command];
    const run = await runCli(['run', ...args], { cwd: dir });
    expect(run.stdout).toContain(`a  'b'|\nx\x03y\nc\rd\n`);
    expect(run.code).toBe(0);
  });

  it('is a usage error naming a target that cannot give a terminal', async () => {
    const { dir, inventory } = sshInventory([], ['here']);
    const run = await runCli(['run', '-i', inventory, 'h1', 'here', '--tty', '--', 'true'], { cwd: dir });
    expect(run.stderr).toContain(
      '--tty: target here is a local target; only SSH, Docker and Kubernetes targets support --tty',
    );
    expect(run.code).toBe(255);
  });
});

describe('--tty on the dockerd fixture containers', { timeout: 120_000 }, () => {
  it('gives the command a terminal with --tty and none without', async () => {
    const { dir, inventory } = dockerInventory();
    const probe = 'tty -s && echo stdin-is-a-terminal; test -t 1 && echo stdout-is-a-terminal; echo err >&2';
    const base = ['run', '-i', inventory, 'c1', 'c2', '--progress', 'none', '--output', 'group'];
    const withTty = await runCli([...base, '--tty', '--', probe], { cwd: dir });
    expect(withTty.stdout.match(/^stdin-is-a-terminal$/gm)).toHaveLength(2);
    expect(withTty.stdout.match(/^stdout-is-a-terminal$/gm)).toHaveLength(2);
    // On a terminal, stderr is the terminal too; lines end in \n alone, and nothing of the set-up shows.
    expect(withTty.stdout.match(/^err$/gm)).toHaveLength(2);
    expect(withTty.stdout).not.toContain('\r');
    expect(withTty.stdout).not.toContain('fanout-tty-ready');
    expect(withTty.code).toBe(0);
    const without = await runCli([...base, '--', probe], { cwd: dir });
    expect(without.stdout).not.toContain('is-a-terminal');
    expect(without.stderr.match(/^err$/gm)).toHaveLength(2);
    expect(without.code).toBe(0);
  });

  it('passes the command and its exit status through the terminal unchanged, and a timeout kills it', async () => {
    const { dir, inventory } = dockerInventory();
    const command = `printf '%s|\\n' "a  'b'"; printf 'c\\rd\\n'; exit 3`;
    const base = ['-i', inventory, 'c1', '--tty', '--progress', 'none', '--output', 'group'];
    const run = await runCli(['run', ...base, '--', command], { cwd: dir });
    expect(run.stdout).toContain(`a  'b'|\nc\rd\n`);
    expect(run.code).toBe(1);
    const sleep = uniqueSleep();
    const timed = await runCli(['run', ...base, '--timeout', '1', '--', sleep.command], { cwd: dir });
    expect(timed.code).toBe(1);
    // Nothing of the command is left in the container (the fixture's `ps`, a moment after the kill).
    const container = inject('docker').containers[0]!;
    const deadline = Date.now() + 10_000;
    let left = await processesIn(container, inject('docker').socketPath);
    while (left.some((line) => line.includes(sleep.marker)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = await processesIn(container, inject('docker').socketPath);
    }
    expect(left.filter((line) => line.includes(sleep.marker))).toEqual([]);
  });
});
