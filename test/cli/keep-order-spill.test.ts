import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FleetEvent, JobReport } from '../../src/index.js';
import { keepOrder } from '../../src/cli/keep-order.js';
import { CLI, localFleet, startCli } from '../support/cli.js';
import { survivorsOf, uniqueSleep } from '../support/processes.js';

const JOBS = 30;
const LINES_PER_JOB = 20_000;

/**
 * Jobs 2…30 each write 2 MB (20,000 lines of 100 x) at once; job 1 waits until all of them are done, then
 * ends (or, given `hang`, runs that command until it is killed).
 */
function spillCommand(dir: string, hang?: string): string[] {
  const done = join(dir, 'done');
  mkdirSync(done);
  const script =
    `if [ {} = 1 ]; then while [ $(ls ${done} | wc -l) -lt ${JOBS - 1} ]; do sleep 0.2; done; ` +
    `${hang ?? 'echo first'}; ` +
    `else head -c ${LINES_PER_JOB * 100} /dev/zero | tr '\\0' x | fold -w 100; touch ${done}/{}; fi`;
  const args = Array.from({ length: JOBS }, (_, index) => String(index + 1));
  return ['jobs', '@all', '-k', '-j', '4', '--progress', 'none', '--', script, ':::', ...args];
}

describe('-k with more held output than fits in memory', { timeout: 180_000 }, () => {
  it('hands on output in start order, lines intact, whether held in memory or in the spill file', () => {
    const seen: FleetEvent[] = [];
    const output = keepOrder({ onEvent: (event) => seen.push(event), finish() {}, dispose() {} }, 16);
    const job = (seq: number) => ({ seq, command: 'x', args: [] });
    const line = (seq: number, text: string, cut?: true): FleetEvent => ({
      type: 'output',
      job: job(seq),
      target: `t${seq}`,
      stream: seq === 3 ? 'stderr' : 'stdout',
      line: text,
      ...(cut ? { cut } : {}),
    });
    const end = (seq: number): FleetEvent => ({
      type: 'end',
      report: { ...job(seq), target: `t${seq}`, ok: true } as unknown as JobReport,
    });
    for (const seq of [1, 2, 3])
      output.onEvent({ type: 'start', job: job(seq), target: `t${seq}`, attempt: 1 });
    const held = [
      line(2, 'fits in memory'),
      line(2, 'é✓ past the budget: to the file', true),
      line(2, 'x'.repeat(3 * 1024 * 1024)),
      end(2),
      line(3, '\ud800 a lone surrogate'),
      end(3),
    ];
    for (const event of held) output.onEvent(event);
    expect(seen.map((event) => event.type)).toEqual(['start', 'start', 'start']);
    output.onEvent(line(1, 'live'));
    output.onEvent(end(1));
    expect(seen.slice(3)).toEqual([line(1, 'live'), end(1), ...held]);
    output.dispose();
  });

  it('keeps 58 MB of waiting output in a spill file: order kept, under a 64 MB heap', async () => {
    const { dir } = localFleet(4);
    const temp = mkdtempSync(join(tmpdir(), 'fanout-keep-'));
    // Held in memory, this output takes well over 64 MB of heap (the run dies out of memory, and peaks at about
    // 300 MB of RSS without the cap): completing under the cap shows it is not kept in memory.
    const node = [process.execPath, '--max-old-space-size=64', CLI];
    const child = spawn('/usr/bin/time', ['-f', 'maxrss %M', ...node, ...spillCommand(dir)], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', TMPDIR: temp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Count lines per job as they stream by, in order, without keeping 58 MB here.
    const order: { label: string; count: number }[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const label = line.slice(0, line.indexOf(':'));
        if (order.at(-1)?.label === label) order.at(-1)!.count += 1;
        else order.push({ label, count: 1 });
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(order.map((run) => Number(run.label.split('#')[1]))).toEqual(
      Array.from({ length: JOBS }, (_, index) => index + 1),
    );
    expect(order.slice(1).every((run) => run.count === LINES_PER_JOB)).toBe(true);
    const peakKb = Number(/maxrss (\d+)/.exec(stderr)![1]);
    console.log(`-k holding ${JOBS - 1} × 2 MB: peak RSS ${Math.round(peakKb / 1024)} MB`);
    expect(peakKb).toBeLessThan(160 * 1024);
    expect(readdirSync(temp)).toEqual([]);
  });

  it('leaves no spill file behind when interrupted while holding output', async () => {
    const { dir } = localFleet(4);
    const temp = mkdtempSync(join(tmpdir(), 'fanout-keep-'));
    const sleep = uniqueSleep();
    const { child, result } = startCli(spillCommand(dir, sleep.command), { cwd: dir, env: { TMPDIR: temp } });
    // Once the 39 jobs are done, job 1 still holds the rest back: that output is in the (unlinked) spill file.
    const spillOpen = (): boolean =>
      readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
        try {
          return /fanout-spill-.*\(deleted\)$/.test(readlinkSync(`/proc/${child.pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    const deadline = Date.now() + 90_000;
    while (!(readdirSync(join(dir, 'done')).length === JOBS - 1 && spillOpen()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spillOpen()).toBe(true);
    expect(readdirSync(temp)).toEqual([]);
    child.kill('SIGINT');
    const run = await result;
    expect(run.code).toBe(130);
    expect(readdirSync(temp)).toEqual([]);
    expect(await survivorsOf(sleep.marker)).toEqual([]);
  });
});
