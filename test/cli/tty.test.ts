import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

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
    expect(run.stderr).toContain('--tty: target here is a local target; only SSH targets support --tty');
    expect(run.code).toBe(255);
  });
});
