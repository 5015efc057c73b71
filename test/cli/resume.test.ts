import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesMatching, waitFor } from '../support/processes.js';
import { localFleet, runCli, startCli } from '../support/cli.js';

const HEADER = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';
/** How many of the jobs' own `sleep` processes run (the shells around them carry the marker too). */
const sleeping = (marker: string) =>
  processesMatching(marker).filter((line) => line.startsWith(marker)).length;
const lineCount = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 2 : 0;

describe('fanout joblog and resume', { timeout: 180_000 }, () => {
  it('writes GNU parallel’s joblog format, one whole line per finished job', async () => {
    const { dir, inventory } = localFleet(2);
    const joblog = join(dir, 'run.log');
    const run = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--joblog',
        joblog,
        '--progress',
        'none',
        '--',
        'echo {}; exit $(( {} % 2 ))',
        ':::',
        '1',
        '2',
        '3',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    const [header, ...lines] = readFileSync(joblog, 'utf8').trimEnd().split('\n');
    expect(header).toBe(HEADER);
    const rows = lines.map((line) => line.split('\t')).sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows.map((row) => [row[0], row[5], row[6], row[7], row[8]])).toEqual([
      ['1', '2', '1', '0', 'echo 1; exit $(( 1 % 2 ))'],
      ['2', '2', '0', '0', 'echo 2; exit $(( 2 % 2 ))'],
      ['3', '2', '1', '0', 'echo 3; exit $(( 3 % 2 ))'],
    ]);
    for (const row of rows) {
      expect(row[1]).toMatch(/^node[12]$/);
      expect(row[2]).toMatch(/^\d{10}\.\d{3}$/);
      expect(row[3]).toMatch(/^ *\d+\.\d{3}$/);
      expect(row[3]).toHaveLength(10);
    }

    const again = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--joblog',
        joblog,
        '--resume-failed',
        '--progress',
        'none',
        '--',
        'echo {}; exit $(( {} % 2 ))',
        ':::',
        '1',
        '2',
        '3',
      ],
      { cwd: dir },
    );
    expect(
      again.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(': ')[1])
        .sort(),
    ).toEqual(['1', '3']);
    const skipped = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '--joblog',
        joblog,
        '--resume',
        '--progress',
        'none',
        '--',
        'echo {}',
        ':::',
        '1',
        '2',
        '3',
        '4',
      ],
      { cwd: dir },
    );
    expect(skipped.stdout.trim()).toMatch(/^node[12] #4: 4$/);
  });

  it('after SIGKILL, --resume runs every job exactly once to completion', async () => {
    const { dir, inventory } = localFleet(4);
    const joblog = join(dir, 'run.log');
    const out = join(dir, 'out');
    const marker = `sleep 1.${process.pid}`;
    const template = `${marker}; mkdir -p ${out}; echo done >> ${out}/{}`;
    const args = Array.from({ length: 24 }, (_, index) => String(index + 1));
    const first = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '4',
        '--joblog',
        joblog,
        '--progress',
        'none',
        '--',
        template,
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    // Kill it mid-run: once two whole waves are logged, while the third is still sleeping (a job that has
    // ended but is not yet recorded when the run dies is rerun, as with GNU parallel: not what this tests).
    await waitFor(() => lineCount(joblog) >= 8, 120_000, 'eight joblog lines');
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    await first.result;
    const logged = lineCount(joblog);
    expect(logged).toBeLessThan(24);
    // Its in-flight jobs die with it: nothing finishes behind the resumed run's back.
    await waitFor(() => processesMatching(marker).length === 0, 10_000, 'orphaned jobs to die');

    const resumed = await runCli(
      [
        'jobs',
        '-i',
        inventory,
        '@all',
        '-j',
        '4',
        '--joblog',
        joblog,
        '--resume',
        '--progress',
        'none',
        '--',
        template,
        ':::',
        ...args,
      ],
      { cwd: dir },
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${24 - logged} jobs in`));
    expect(readdirSync(out).sort((a, b) => Number(a) - Number(b))).toEqual(args);
    for (const arg of args) expect(readFileSync(join(out, arg), 'utf8')).toBe('done\n');
    const seqs = readFileSync(joblog, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split('\t')[0]));
    expect(seqs.sort((a, b) => a - b)).toEqual(args.map(Number));
  });
});

describe('fanout interrupted', { timeout: 180_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s kills running jobs, writes the joblog and summary, and exits 130',
    async (signal) => {
      const { dir, inventory } = localFleet(4);
      const joblog = join(dir, 'run.log');
      const marker = `sleep 100.${process.pid}${signal === 'SIGINT' ? 1 : 2}`;
      const run = startCli(
        [
          'jobs',
          '-i',
          inventory,
          '@all',
          '-j',
          '4',
          '--joblog',
          joblog,
          '--progress',
          'plain',
          '--',
          `if [ {} = 1 ]; then echo quick; else ${marker}; fi`,
          ':::',
          '1',
          '2',
          '3',
          '4',
          '5',
          '6',
        ],
        { cwd: dir },
      );
      await waitFor(() => sleeping(marker) === 4 && lineCount(joblog) === 1, 120_000, 'four running jobs');
      run.child.kill(signal);
      const result = await run.result;
      expect(result.code).toBe(130);
      expect(processesMatching(marker)).toEqual([]);
      expect(result.stderr).toMatch(
        /6 jobs in [\d.]+s: 1 ok, 0 failed, 0 timed out, 0 unreachable, 4 canceled, 1 skipped/,
      );
      expect(result.stderr).toContain('interrupted');
      expect(readFileSync(joblog, 'utf8').split('\n')[1]).toMatch(/^1\tnode\d\t/);
    },
  );
});

describe('fanout run --resume', { timeout: 120_000 }, () => {
  it('--resume skips the targets the joblog records, --resume-failed reruns only the failed ones', async () => {
    const { dir, inventory } = localFleet(4);
    const joblog = join(dir, 'run.log');
    const first = await runCli(
      ['run', '-i', inventory, '@all', '--joblog', joblog, '--progress', 'none', '--', 'exit 1'],
      { cwd: dir },
    );
    expect(first.code).toBe(4);
    const again = (extra: string, command: string) =>
      runCli(
        ['run', '-i', inventory, '@all', '--joblog', joblog, extra, '--progress', 'none', '--', command],
        {
          cwd: dir,
        },
      );
    const all = await again('--resume', 'echo ran');
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('');
    const failed = await again('--resume-failed', 'echo ran');
    expect(failed.code).toBe(0);
    expect(failed.stdout.trim().split('\n').sort()).toEqual([
      'node1: ran',
      'node2: ran',
      'node3: ran',
      'node4: ran',
    ]);
    const none = await again('--resume-failed', 'echo ran');
    expect(none.stdout).toBe('');
  });
});
