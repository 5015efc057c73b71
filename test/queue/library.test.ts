import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelRun,
  followRun,
  listRuns,
  localTarget,
  openQueue,
  readAttempts,
  runStatus,
  runWorker,
  submitRun,
  type AttemptRecord,
  type FleetEvent,
  type Queue,
} from '../../src/index.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { survivorsOf, uniqueSleep, waitFor, processesMatching } from '../support/processes.js';

async function attemptsOf(queue: Queue, runId: number): Promise<AttemptRecord[]> {
  const all: AttemptRecord[] = [];
  for await (const attempt of readAttempts(queue, runId)) all.push(attempt);
  return all;
}

const members = [
  { name: 'a', target: localTarget },
  { name: 'b', target: localTarget },
];

describe('the run queue from the library API (real PostgreSQL, local targets)', { timeout: 120_000 }, () => {
  let db: PostgresFixture;
  let queue: Queue;
  beforeAll(async () => {
    db = await startPostgres();
    queue = await openQueue(db.url);
  });
  afterAll(async () => {
    await queue?.close();
    db?.stop();
  });

  it('submits a run, works it with an in-process worker, follows it, and reads its status and attempts', async () => {
    const commands = Array.from({ length: 30 }, (_, index) => ({
      command: `echo out-${index + 1}`,
      args: [String(index + 1)],
    }));
    const { runId, total } = await submitRun(queue, { template: 'echo out-{}', retries: 1 }, commands);
    expect(total).toBe(30);
    expect((await listRuns(queue, 1))[0]).toBe(runId);
    const events: FleetEvent[] = [];
    const [summary, report] = await Promise.all([
      runWorker(queue, { members, concurrency: 4, runId }),
      followRun(queue, runId, { onEvent: (event) => events.push(event), pollMs: 50 }),
    ]);
    expect(summary.attempts).toBe(30);
    expect(report.counts).toMatchObject({ total: 30, ok: 30, failed: 0 });
    const lines = events.flatMap((event) => (event.type === 'output' ? [event.line] : []));
    expect(lines.sort()).toEqual(commands.map((job) => job.command.slice(5)).sort());

    const status = await runStatus(queue, runId);
    expect(status?.run).toMatchObject({ id: runId, state: 'done', total: 30, retries: 1 });
    expect(status?.jobs).toEqual({ ok: 30 });
    expect(status?.workers).toEqual([{ worker: summary.id, claimed: 0, running: 0, ended: 30, lost: 0 }]);

    const attempts = await attemptsOf(queue, runId);
    expect(
      attempts.map((attempt) => [attempt.seq, attempt.attempt, attempt.jobState, attempt.stdout]),
    ).toEqual(commands.map((job, index) => [index + 1, 1, 'ok', `out-${index + 1}\n`]));
    expect(await cancelRun(queue, runId)).toBe(false);
  });

  it('gives back the jobs it claimed ahead and has not started once a halt soon stops the run', async () => {
    // 200 fast jobs make the worker claim far ahead; then one fails, and 150 slow ones follow.
    const commands = [
      ...Array.from({ length: 200 }, () => 'true'),
      'exit 1',
      ...Array.from({ length: 150 }, () => 'sleep 0.3'),
    ].map((command, index) => ({ command, args: [String(index + 1)] }));
    const { runId } = await submitRun(
      queue,
      { template: '{}', policy: { halt: 'soon', threshold: 1 } },
      commands,
    );
    const summary = await runWorker(queue, { members, concurrency: 2, runId });
    const attempts = await attemptsOf(queue, runId);
    const ranSlow = attempts.filter((attempt) => attempt.seq > 201 && attempt.stage === 'run');
    // Those already running when the halt came end; the ones it held and had not started never run.
    expect(ranSlow.length, JSON.stringify(ranSlow.map((attempt) => attempt.seq))).toBeLessThanOrEqual(10);
    expect(summary.attempts).toBeLessThan(201 + 150);
    expect((await runStatus(queue, runId))?.run.state).toBe('halted');
  });

  it('tells the jobs a worker runs from those it claimed ahead of starting them', async () => {
    const { runId } = await submitRun(
      queue,
      { template: 'sleep 0.1' },
      Array.from({ length: 60 }, (_, index) => ({ command: 'sleep 0.1', args: [String(index + 1)] })),
    );
    const worker = runWorker(queue, { members, concurrency: 1, runId });
    const seen: { claimed: number; running: number; jobsRunning: number }[] = [];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await runStatus(queue, runId);
      const row = status?.workers[0];
      if (row)
        seen.push({ claimed: row.claimed, running: row.running, jobsRunning: status!.jobs.running ?? 0 });
      if (row && row.claimed > 0 && row.running === 1) break;
      if (Date.now() > deadline)
        throw new Error(`never saw claimed ahead and running: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await cancelRun(queue, runId);
    await worker;
    // At -j 1 it never runs two at once, whatever it holds.
    expect(
      seen.every((row) => row.running <= 1 && row.jobsRunning <= 1),
      JSON.stringify(seen),
    ).toBe(true);
  });

  it('retries a failed job after the backoff until its retries are used up, on any worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-retry-'));
    const flaky = `test -e ${dir}/once && echo second || { touch ${dir}/once; exit 1; }`;
    const { runId } = await submitRun(queue, { template: '-', retries: 2, backoff: '200ms' }, [
      'exit 3',
      flaky,
      'true',
    ]);
    await runWorker(queue, { members, concurrency: 4, runId });
    const attempts = await attemptsOf(queue, runId);
    expect(
      attempts.map((attempt) => [attempt.seq, attempt.attempt, attempt.exitCode, attempt.jobState]),
    ).toEqual([
      [1, 1, 3, 'failed'],
      [1, 2, 3, 'failed'],
      [1, 3, 3, 'failed'],
      [2, 1, 1, 'ok'],
      [2, 2, 0, 'ok'],
      [3, 1, 0, 'ok'],
    ]);
    // Each retry waits the backoff, doubling: 200 ms, then 400 ms.
    const gap = (seq: number, attempt: number): number =>
      Date.parse(attempts.find((a) => a.seq === seq && a.attempt === attempt + 1)!.claimedAt) -
      Date.parse(attempts.find((a) => a.seq === seq && a.attempt === attempt)!.endedAt!);
    expect(gap(1, 1)).toBeGreaterThanOrEqual(150);
    expect(gap(1, 2)).toBeGreaterThanOrEqual(350);
    expect(gap(2, 1)).toBeGreaterThanOrEqual(150);
    expect((await runStatus(queue, runId))?.jobs).toEqual({ failed: 1, ok: 2 });
  });

  it('keeps output up to the run’s cap, flags the attempt truncated, and never kills a job for its output', async () => {
    const big = 'printf "%0100000d\\n" 0'; // 100,001 bytes on stdout
    const huge = 'head -c 20000000 /dev/zero | tr "\\0" x; echo; echo tail >&2'; // 20 MB, more than any buffer
    const { runId } = await submitRun(queue, { template: '-', outputCap: 65536 }, [big, huge, 'echo small']);
    await runWorker(queue, { members, runId });
    const [first, second, third] = await attemptsOf(queue, runId);
    expect(first).toMatchObject({ jobState: 'ok', truncated: true, outputBytes: 100_001 });
    expect(first!.stdout).toBe('0'.repeat(65536));
    expect(first!.sha256).toBe(
      createHash('sha256')
        .update(`${'0'.repeat(100_000)}\n`)
        .digest('hex'),
    );
    expect(second).toMatchObject({
      jobState: 'ok',
      truncated: true,
      outputBytes: 20_000_006,
      stderr: 'tail\n',
    });
    expect(second!.stdout).toBe('x'.repeat(65536));
    expect(second!.sha256).toBe(
      createHash('sha256')
        .update(`${'x'.repeat(20_000_000)}\n`)
        .digest('hex'),
    );
    expect(third).toMatchObject({ jobState: 'ok', truncated: false, stdout: 'small\n', outputBytes: 6 });
  });

  it('cancelRun kills the run’s running jobs (ps) and skips its queued ones', async () => {
    const { command, marker } = uniqueSleep();
    const { runId } = await submitRun(
      queue,
      { template: command },
      Array.from({ length: 10 }, () => command),
    );
    const worker = runWorker(queue, { members, concurrency: 3, runId });
    await waitFor(() => processesMatching(marker).length >= 3, 30_000, 'three sleeps');
    expect(await cancelRun(queue, runId)).toBe(true);
    await worker;
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
    const status = await runStatus(queue, runId);
    expect(status?.run.state).toBe('canceled');
    expect(status?.jobs).toEqual({ canceled: 3, skipped: 7 });
  });

  it.each([
    [{ template: 'x', retries: -1 }, /`retries`/],
    [{ template: 'x', timeout: 'soon' }, /timeout/],
    [{ template: 'x', outputCap: 0 }, /`outputCap`/],
    [{ template: 'x', outputCap: 2 ** 30 }, /`outputCap`/],
    [{ template: 'x', policy: { halt: 'now', batches: [0] } }, /batches/],
    [{ template: 'x', slotMarker: 7 }, /`slotMarker`/],
    [{ template: 'x', retry: 1 }, /Unknown option `retry`/],
  ])('submitRun refuses a bad spec with a TypeError naming the field: %j', async (spec, message) => {
    await expect(submitRun(queue, spec as never, ['true'])).rejects.toThrow(message);
  });

  it('runWorker refuses bad options with a TypeError naming them', async () => {
    await expect(runWorker(queue, { members, concurrency: 0 })).rejects.toThrow(/`concurrency`/);
    await expect(runWorker(queue, { members, leaseMs: 10 })).rejects.toThrow(/`leaseMs`/);
    await expect(runWorker(queue, { members: [] })).rejects.toThrow(TypeError);
  });
});
