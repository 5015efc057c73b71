import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import { distribute } from '../../src/fleet/distribute.js';
import type { FleetEvent } from '../../src/fleet/events.js';
import { localTarget } from '../../src/targets/local.js';
import type { Target } from '../../src/targets/target.js';
import { createSshTarget } from '../../src/targets/ssh/index.js';
import { processesMatching, uniqueSleep } from '../support/processes.js';
import '../support/sshd-context.js';
import { choosePort, startSshd } from '../support/sshd.js';

const fleet = [
  { name: 'alpha', target: localTarget },
  { name: 'beta', target: localTarget },
  { name: 'gamma', target: localTarget },
];

/** A target whose host refuses connections, as an SSH target reports it. */
function unreachableTarget(id: string): Target {
  return {
    id,
    spawn: (request) => ({
      exited: Promise.reject(
        new ConnectionError(`Cannot connect to ${id}`, {
          code: 'CONNECTION_FAILED',
          target: id,
          command: request.command,
        }),
      ),
      kill: () => {},
    }),
    dispose: async () => {},
  };
}

function record(): { events: FleetEvent[]; onEvent: (event: FleetEvent) => void } {
  const events: FleetEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

describe('distribute', () => {
  it('runs every job once, on the least-loaded member, within per-target slots scaled by weight', async () => {
    const members = [...fleet.slice(0, 2), { name: 'delta', target: localTarget, weight: 2 }];
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const report = await distribute(
      Array.from({ length: 40 }, (_, index) => ({
        command: `sleep 0.05; echo job-${index}`,
        args: [String(index)],
      })),
      members,
      {
        concurrency: 8,
        perTarget: 1,
        onEvent(event) {
          if (event.type === 'start') {
            running.set(event.target, (running.get(event.target) ?? 0) + 1);
            peak.set(event.target, Math.max(peak.get(event.target) ?? 0, running.get(event.target)!));
          } else if (event.type === 'end')
            running.set(event.report.target!, running.get(event.report.target!)! - 1);
        },
      },
    );
    expect(report.counts).toMatchObject({ total: 40, ok: 40 });
    expect(report.jobs.map((job) => job.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1),
    );
    for (const job of report.jobs) expect(job.stdout).toBe(`job-${job.seq - 1}\n`);
    expect(Object.fromEntries(peak)).toEqual({ alpha: 1, beta: 1, delta: 2 });
    const count = (name: string) => report.jobs.filter((job) => job.target === name).length;
    expect(count('delta')).toBeGreaterThan(count('alpha'));
  });

  it('reads an async iterable only as slots free up', async () => {
    let pulled = 0;
    let pulledAtFirstEnd = -1;
    async function* jobs() {
      for (let index = 0; index < 30; index++) {
        pulled += 1;
        yield 'sleep 0.05';
      }
    }
    const report = await distribute(jobs(), fleet, {
      concurrency: 3,
      onEvent(event) {
        if (event.type === 'end' && pulledAtFirstEnd < 0) pulledAtFirstEnd = pulled;
      },
    });
    expect(report.counts.ok).toBe(30);
    expect(pulledAtFirstEnd).toBeLessThanOrEqual(4);
  });

  it('retries a failed job on a different member', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'fleet-')), 'failed-once');
    const { events, onEvent } = record();
    const report = await distribute([`test -f ${marker} || { touch ${marker}; exit 1; }`], fleet, {
      retries: 2,
      backoff: 10,
      onEvent,
    });
    const [job] = report.jobs;
    expect(job).toMatchObject({ ok: true, attempts: 2 });
    const retry = events.find((event) => event.type === 'retry');
    expect(retry).toMatchObject({ reason: 'failed', attempt: 1 });
    expect(retry && 'target' in retry && retry.target).not.toBe(job?.target);
    expect(report.counts.retries).toBe(1);
  });

  it('gives up after the retries and counts the job failed once', async () => {
    const { events, onEvent } = record();
    const report = await distribute(['exit 7'], fleet, { retries: 2, backoff: 1, onEvent });
    expect(report.jobs[0]).toMatchObject({ ok: false, stage: 'run', exitCode: 7, attempts: 3 });
    expect(
      new Set(
        events.filter((event) => event.type === 'start').map((event) => 'target' in event && event.target),
      ).size,
    ).toBe(3);
    expect(report.counts).toMatchObject({ failed: 1, retries: 2 });
  });

  it('marks an unreachable member down and moves its jobs elsewhere, losing none', async () => {
    const { events, onEvent } = record();
    const members = [{ name: 'down', target: unreachableTarget('ssh://down') }, ...fleet];
    const report = await distribute(
      Array.from({ length: 20 }, (_, index) => `echo ${index}`),
      members,
      { onEvent },
    );
    expect(report.counts).toMatchObject({ total: 20, ok: 20, unreachable: 0 });
    expect(report.jobs.some((job) => job.target === 'down')).toBe(false);
    expect(events.filter((event) => event.type === 'target-down')).toHaveLength(1);
  });

  it('reports jobs as unreachable when no member is left up', async () => {
    const report = await distribute(
      ['echo 1', 'echo 2'],
      [{ name: 'a', target: unreachableTarget('ssh://a') }],
    );
    expect(report.counts).toMatchObject({ unreachable: 2, ok: 0 });
    expect(report.jobs.every((job) => job.stage === 'connect')).toBe(true);
  });

  it('halt now kills in-flight jobs on every member and skips the rest', async () => {
    const { command, marker } = uniqueSleep();
    const jobs = ['sleep 0.3; exit 1', command, command, command, 'echo never', 'echo never'];
    const report = await distribute(jobs, fleet, { concurrency: 4, policy: { halt: 'now' } });
    expect(report.halted).toEqual({ mode: 'now', reason: 'threshold' });
    expect(report.counts).toMatchObject({ failed: 1, canceled: 3, skipped: 2, ok: 0 });
    expect(processesMatching(marker)).toEqual([]);
  });

  it('halt soon lets running jobs finish and starts no more', async () => {
    const report = await distribute(
      ['sleep 0.1; exit 1', 'sleep 0.6; echo finished', 'echo a', 'echo b'],
      fleet,
      {
        concurrency: 2,
        policy: { halt: 'soon', threshold: 1 },
      },
    );
    expect(report.halted?.mode).toBe('soon');
    expect(report.jobs.find((job) => job.seq === 2)).toMatchObject({ ok: true, stdout: 'finished\n' });
    expect(report.counts).toMatchObject({ failed: 1, ok: 1, skipped: 2 });
  });

  it('halts at a percentage of all jobs', async () => {
    const jobs = ['exit 1', 'exit 1', ...Array.from({ length: 8 }, () => 'sleep 0.2')];
    const quarter = await distribute(jobs, fleet, {
      concurrency: 2,
      policy: { halt: 'soon', threshold: '25%' },
    });
    expect(quarter.halted).toBeUndefined();
    const tenth = await distribute(jobs, fleet, {
      concurrency: 2,
      policy: { halt: 'soon', threshold: '20%' },
    });
    expect(tenth.halted?.mode).toBe('soon');
  });

  it('kills a job past its timeout and reports the stage', async () => {
    const { command, marker } = uniqueSleep();
    const report = await distribute([command], fleet, { timeout: 300, killGrace: 500 });
    expect(report.jobs[0]).toMatchObject({ stage: 'timeout', ok: false, signal: 'SIGTERM' });
    expect(report.counts.timeout).toBe(1);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('cancels on the caller’s signal: running jobs killed, the rest skipped', async () => {
    const { command, marker } = uniqueSleep();
    const controller = new AbortController();
    const run = distribute([command, command, 'echo later'], fleet, {
      concurrency: 2,
      signal: controller.signal,
      onEvent(event) {
        if (event.type === 'start' && event.job.seq === 2) setTimeout(() => controller.abort(), 200);
      },
    });
    const report = await run;
    expect(report.halted).toEqual({ mode: 'now', reason: 'aborted' });
    expect(report.counts).toMatchObject({ canceled: 2, skipped: 1 });
    expect(processesMatching(marker)).toEqual([]);
  });

  it('streams output lines as events', async () => {
    const { events, onEvent } = record();
    await distribute(['printf "one\\ntwo"; echo oops >&2'], fleet, { onEvent, keepOutput: false });
    const lines = events.flatMap((event) =>
      event.type === 'output' ? [`${event.stream}:${event.line}`] : [],
    );
    expect(lines.sort()).toEqual(['stderr:oops', 'stdout:one', 'stdout:two']);
  });

  it('a job built with an error fails at once, reported, and the run goes on', async () => {
    const report = await distribute(
      ['true', { command: 'never run', error: 'input line 2 is bad' }, 'true'],
      fleet,
    );
    expect(report.counts).toMatchObject({ total: 3, ok: 2, failed: 1 });
    const bad = report.jobs.find((job) => job.seq === 2)!;
    expect(bad).toMatchObject({ stage: 'run', ok: false, error: 'input line 2 is bad', target: undefined });
  });

  it('when the input throws, the running jobs finish and are reported before the run rejects', async () => {
    const ended: number[] = [];
    async function* input() {
      yield 'sleep 0.3';
      yield 'sleep 0.3';
      throw new Error('stdin broke');
    }
    await expect(
      distribute(input(), fleet, {
        onEvent: (event) => {
          if (event.type === 'end') ended.push(event.report.seq);
        },
      }),
    ).rejects.toThrow('stdin broke');
    expect(ended.sort()).toEqual([1, 2]);
  });

  it('rejects bad options with a TypeError naming them', async () => {
    await expect(distribute(['true'], fleet, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(distribute(['true'], fleet, { retries: -1 })).rejects.toThrow(/retries/);
    await expect(distribute(['true'], [], {})).rejects.toThrow(/targets/);
    await expect(distribute(['true'], [localTarget, localTarget])).rejects.toThrow(/unique/);
    await expect(distribute(['true'], fleet, { policy: { halt: 'maybe' as never } })).rejects.toThrow(/halt/);
  });
});

describe('distribute over a host that comes back', () => {
  it('gives a member that could not be reached its jobs again after a cool-down', async () => {
    const info = inject('ssh');
    const address = '127.0.0.61';
    const port = await choosePort([address]);
    const late = createSshTarget({
      host: address,
      port,
      user: info.user,
      identityFile: info.identityFile,
      knownHostsFile: join(mkdtempSync(join(tmpdir(), 'fanout-late-')), 'known_hosts'),
      hostKeyPolicy: 'accept-new',
      configFile: false,
      agent: false,
    });
    const { events, onEvent } = record();
    // Nothing listens yet: the first job sent there is refused and the member goes down. The host starts a
    // second later; once the cool-down (5 s) is over, it takes jobs again.
    let extra: Awaited<ReturnType<typeof startSshd>> | undefined;
    const starting = new Promise((resolve) => setTimeout(resolve, 1000)).then(async () => {
      extra = await startSshd(info, { host: address, port });
    });
    try {
      const report = await distribute(
        Array.from({ length: 48 }, () => 'sleep 0.25'),
        [
          { name: 'alpha', target: localTarget },
          { name: 'late', target: late },
        ],
        { perTarget: 2, keepJobs: true, onEvent },
      );
      expect(report.counts).toMatchObject({ total: 48, ok: 48 });
      expect(events.filter((event) => event.type === 'target-down')).toHaveLength(1);
      expect(report.jobs.filter((job) => job.target === 'late').length).toBeGreaterThan(0);
    } finally {
      await starting;
      await late.dispose();
      await extra?.stop();
    }
  });
});
