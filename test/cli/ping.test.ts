import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

/** The rows of ping's table by target: the header's column names → cells. */
function rows(stdout: string): Map<string, Record<string, string>> {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  const names = header.split(/\s+/);
  const starts = names.map((name) => header.indexOf(name));
  const table = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const cells = starts.map((start, index) => line.slice(start, starts[index + 1]).trim());
    table.set(cells[0]!, Object.fromEntries(names.map((name, index) => [name, cells[index]!])));
  }
  return table;
}

describe('fanout ping', { timeout: 120_000 }, () => {
  it('reaches every target once, prints who it logged in as, and exits with the number of targets down', async () => {
    const ssh = inject('ssh');
    const { dir, inventory } = sshInventory([], ['here']);
    // A closed port on loopback: nothing listens on port 1.
    const text = readFileSync(inventory, 'utf8');
    writeFileSync(inventory, text.replace('targets:\n', 'targets:\n  closed: ssh://127.0.0.2:1\n'));
    const run = await runCli(['ping', '-i', inventory, 'h1', 'h2', 'here', 'closed'], { cwd: dir });
    const table = rows(run.stdout);
    expect([...table.keys()]).toEqual(['h1', 'h2', 'here', 'closed']);
    for (const name of ['h1', 'h2']) {
      expect(table.get(name)).toMatchObject({ REACHABLE: 'up', USER: ssh.user, SHELL: '/bin/sh', ERROR: '' });
      expect(table.get(name)!.CONNECT).toMatch(/^\d+(\.\d)?m?s$|^\d\.\d\ds$/);
      expect(table.get(name)!.LATENCY).toMatch(/ms$/);
    }
    expect(table.get('here')).toMatchObject({ REACHABLE: 'up', USER: 'root' });
    expect(table.get('closed')).toMatchObject({ REACHABLE: 'down', CONNECT: '-', USER: '-' });
    expect(table.get('closed')!.ERROR).toMatch(/ECONNREFUSED|refused/i);
    expect(run.stderr).toMatch(/3 of 4 reachable in .*, 1 down/);
    expect(run.code).toBe(1);
  });

  it('exits 0 when every target answers', async () => {
    const { dir, inventory } = sshInventory();
    const run = await runCli(['ping', '-i', inventory, '@fixtures', '-j', '4'], { cwd: dir });
    expect([...rows(run.stdout).values()].map((row) => row.REACHABLE)).toEqual(Array(8).fill('up'));
    expect(run.stderr).toMatch(/8 of 8 reachable/);
    expect(run.code).toBe(0);
  });
});
