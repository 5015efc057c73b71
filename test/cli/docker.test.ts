import { describe, expect, it } from 'vitest';
import { processesMatching, waitFor } from '../support/processes.js';
import { runCli, startCli } from '../support/cli.js';
import { dockerInventory } from '../support/fleets.js';

describe('fanout over Docker containers', { timeout: 300_000 }, () => {
  it('runs in every container and collapses identical output', async () => {
    const { dir, inventory, count } = dockerInventory();
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        '@all',
        '--output',
        'collapse',
        '--progress',
        'none',
        '--',
        'echo in-container',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `----------------\nc[1-${count}] (${count}): ok\n----------------\nin-container\n`,
    );
  });

  it('halt now kills the work running inside the other containers', async () => {
    const { dir, inventory, count } = dockerInventory();
    const marker = `sleep 100.${process.pid}5`;
    const args = Array.from({ length: count + 2 }, (_, index) => String(index + 1));
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        String(count),
        '--halt',
        'now',
        '--progress',
        'none',
        '--',
        `if [ {} = 1 ]; then sleep 2; exit 5; fi; ${marker}`,
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    await waitFor(
      () => processesMatching(marker).some((line) => line.startsWith(marker)),
      120_000,
      'a sleep in a container',
    );
    const result = await run.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`0 ok, 1 failed, 0 timed out, 0 unreachable, ${count - 1} canceled, 2 skipped`),
    );
    await waitFor(() => processesMatching(marker).length === 0, 15_000, 'container sleeps to die');
  });
});
