import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFleet, startCli } from '../support/cli.js';
import { processesMatching, survivorsOf, uniqueSleep, waitFor } from '../support/processes.js';

/** The jobs' own sleep processes (the shells around them carry the marker too). */
const sleeping = (marker: string) =>
  processesMatching(marker).filter((line) => line.startsWith(marker)).length;

describe('fanout stopped from outside', { timeout: 120_000 }, () => {
  it('the first Ctrl-C sends TERM to every job, which may clean up before it ends', async () => {
    const { dir, inventory } = localFleet(2);
    const sleep = uniqueSleep();
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--progress',
        'none',
        '--joblog',
        join(dir, 'run.log'),
        '--',
        `trap 'echo cleaned > ${dir}/{}.term; exit 3' TERM; ${sleep.command} & wait`,
        ':::',
        'a',
        'b',
      ],
      { cwd: dir },
    );
    await waitFor(() => sleeping(sleep.marker) === 2, 60_000, 'two running jobs');
    run.child.kill('SIGINT');
    const result = await run.result;
    expect(result.code).toBe(130);
    expect(
      readdirSync(dir)
        .filter((name) => name.endsWith('.term'))
        .sort(),
    ).toEqual(['a.term', 'b.term']);
    expect(await survivorsOf(sleep.marker)).toEqual([]);
    expect(result.stderr).toMatch(/2 jobs in [\d.]+s: .*2 canceled/);
    expect(existsSync(join(dir, 'run.log'))).toBe(true);
  });

  it('a second Ctrl-C kills jobs that ignore TERM at once, and still writes the summary', async () => {
    const { dir, inventory } = localFleet(2);
    const sleep = uniqueSleep();
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--progress',
        'none',
        '--',
        `trap '' TERM; ${sleep.command} # {}`,
        ':::',
        'a',
        'b',
      ],
      { cwd: dir },
    );
    await waitFor(() => sleeping(sleep.marker) === 2, 60_000, 'two running jobs');
    run.child.kill('SIGINT');
    // TERM is ignored: within the 3 s grace period the jobs still run.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(sleeping(sleep.marker)).toBe(2);
    const second = Date.now();
    run.child.kill('SIGINT');
    const result = await run.result;
    expect(Date.now() - second).toBeLessThan(2500);
    expect(result.code).toBe(130);
    expect(processesMatching(sleep.marker)).toEqual([]);
    expect(result.stderr).toMatch(/2 jobs in [\d.]+s: .*2 canceled/);
    expect(result.stderr).toContain('interrupted');
  });

  it('a closed stdout starts no more jobs, kills running ones, writes the joblog and exits 141', async () => {
    const { dir, inventory } = localFleet(2);
    const sleep = uniqueSleep();
    const joblog = join(dir, 'run.log');
    const args = Array.from({ length: 40 }, (_, index) => String(index + 1));
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '2',
        '--progress',
        'none',
        '--joblog',
        joblog,
        '--',
        `echo first {}; sleep 0.3; echo second {}; ${sleep.command}`,
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    // Like `| head -1`: read one chunk, then go away.
    await new Promise<void>((resolve) => run.child.stdout!.once('data', () => resolve()));
    run.child.stdout!.destroy();
    const result = await run.result;
    expect(result.code).toBe(141);
    expect(result.stderr).toContain('standard output was closed');
    const skipped = Number(/(\d+) skipped/.exec(result.stderr)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(36);
    expect(await survivorsOf(sleep.marker)).toEqual([]);
    expect(readFileSync(joblog, 'utf8').split('\n')[0]).toMatch(/^Seq\tHost/);
  });
});
