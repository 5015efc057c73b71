import { existsSync, mkdtempSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';

/** The spill files the process holds open: `/proc/PID/fd` links into `dir`, with their modes. */
function spillFiles(pid: number, dir: string): { link: string; mode: number }[] {
  const found: { link: string; mode: number }[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith(`${dir}/fanout-spill-`))
        found.push({ link, mode: statSync(`/proc/${pid}/fd/${fd}`).mode & 0o777 });
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return found;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// 40,000 lines of 100 bytes (4 MB, past the 1 MiB a job may hold in memory), a pause, then one more line.
const BIG_JOB = "yes $(printf 'x%.0s' $(seq 99)) | head -n 40000 | sed 's/^/{}-/'; sleep 1.5; echo {}-end";

describe.concurrent('fanout output held until a job ends', { timeout: 120_000 }, () => {
  for (const mode of ['group', 'collapse'] as const) {
    it(`${mode} moves a job's output past 1 MiB to a 0600 temporary file that is never left behind`, async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'fanout-spill-test-'));
      const cli = startCli(
        ['jobs', 'local', '-j', '2', '--progress', 'none', '--output', mode, '--', BIG_JOB, ':::', 'a', 'b'],
        { env: { TMPDIR: tmp } },
      );
      const held = await waitFor(() => {
        const files = spillFiles(cli.child.pid!, tmp);
        return files.length > 0 ? files : undefined;
      });
      // Unlinked as soon as it is opened: nothing to clean up, whatever happens to the process.
      for (const file of held) {
        expect(file.link).toMatch(/ \(deleted\)$/);
        expect(file.mode).toBe(0o600);
      }
      expect(readdirSync(tmp)).toEqual([]);
      const run = await cli.result;
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      for (const arg of ['a', 'b']) {
        const mine = lines.filter((line) => line.startsWith(`${arg}-`));
        expect(mine.length).toBe(40_001);
        expect(mine.at(-1)).toBe(`${arg}-end`);
        expect(new Set(mine.slice(0, -1))).toEqual(new Set([`${arg}-${'x'.repeat(99)}`]));
        // In order, together: the job's lines are one block.
        const first = lines.indexOf(mine[0]!);
        expect(lines.slice(first, first + 40_001)).toEqual(mine);
      }
      expect(readdirSync(tmp)).toEqual([]);
    });
  }

  it('leaves no temporary file behind when interrupted mid-run', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'fanout-spill-test-'));
    const ready = join(mkdtempSync(join(tmpdir(), 'fanout-spill-mark-')), 'ready');
    const job = `${BIG_JOB}; touch ${ready}; sleep 30`;
    const cli = startCli(
      ['jobs', 'local', '--progress', 'none', '--output', 'group', '--', job, ':::', 'a'],
      {
        env: { TMPDIR: tmp },
      },
    );
    await waitFor(() => (existsSync(ready) ? true : undefined));
    expect(spillFiles(cli.child.pid!, tmp).length).toBeGreaterThan(0);
    cli.child.kill('SIGINT');
    const run = await cli.result;
    expect(run.code).toBe(130);
    // What the job wrote before it was killed is still shown.
    expect(run.stdout.split('\n').filter((line) => line.startsWith('a-x')).length).toBe(40_000);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
