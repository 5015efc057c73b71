import { describe, expect, it } from 'vitest';
import { runOn } from '../../src/fleet/run-on.js';
import type { FleetEvent } from '../../src/fleet/events.js';
import { localTarget } from '../../src/targets/local.js';

const members = ['a1', 'a2', 'a3', 'a4', 'a5'].map((name) => ({ name, target: localTarget }));

describe('runOn', () => {
  it('runs the command once on every member', async () => {
    const report = await runOn(members, 'echo hello');
    expect(report.jobs.map((job) => job.target).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(report.jobs.every((job) => job.ok && job.stdout === 'hello\n')).toBe(true);
  });

  it('runs rolling batches one after another', async () => {
    const events: FleetEvent[] = [];
    const report = await runOn(members, 'sleep 0.1', {
      policy: { halt: 'never', batches: [1, 2] },
      onEvent: (event) => events.push(event),
    });
    expect(report.counts.ok).toBe(5);
    const order = events.flatMap((event) =>
      event.type === 'start'
        ? [`start:${event.target}`]
        : event.type === 'batch-end'
          ? [`batch:${event.size}`]
          : [],
    );
    expect(order).toEqual([
      'start:a1',
      'batch:1',
      'start:a2',
      'start:a3',
      'batch:2',
      'start:a4',
      'start:a5',
      'batch:2',
    ]);
  });

  it('stops after the batch that reaches the threshold', async () => {
    const report = await runOn(members, 'exit 1', {
      policy: { halt: 'soon', threshold: 2, batches: [1, 2] },
    });
    expect(report.halted).toEqual({ mode: 'soon', reason: 'threshold' });
    expect(report.counts).toMatchObject({ failed: 3, skipped: 2 });
  });

  it('counts a percentage threshold over all members', async () => {
    const report = await runOn(members, 'exit 1', {
      policy: { halt: 'soon', threshold: '40%', batches: [1] },
    });
    expect(report.counts).toMatchObject({ failed: 2, skipped: 3 });
  });
});
