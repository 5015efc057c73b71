import { afterAll, describe, expect, it } from 'vitest';
import { distribute } from '../../src/fleet/distribute.js';
import type { FleetEvent } from '../../src/fleet/events.js';
import { runOn } from '../../src/fleet/run-on.js';
import { localTarget } from '../../src/targets/local.js';
import { closeSshConnections, createSshTarget, getSshPoolStats } from '../../src/targets/ssh/index.js';
import type { Target } from '../../src/targets/target.js';
import { fixtures, optionsFor } from '../targets/ssh/helpers.js';

afterAll(() => closeSshConnections());

/** The local target under a name, recording when the fleet releases it (as an `end` or `release` line). */
function recorded(name: string, log: string[]): { name: string; target: Target } {
  return {
    name,
    target: {
      id: `local-${name}`,
      spawn: (request) => localTarget.spawn(request),
      dispose: () => localTarget.dispose(),
      releaseIdle: () => log.push(`release:${name}`),
    },
  };
}

function logEnds(log: string[]): (event: FleetEvent) => void {
  return (event) => {
    if (event.type === 'end') log.push(`end:${event.report.target}`);
  };
}

describe('members that already ran a job of the run', () => {
  it('take the next jobs until they had their share, so a host keeps its connection and agent', async () => {
    const log: string[] = [];
    const members = ['a', 'b', 'c', 'd'].map((name) => recorded(name, log));
    const report = await distribute(
      Array.from({ length: 8 }, () => 'true'),
      members,
      { concurrency: 1, keepJobs: true },
    );
    expect(report.jobs.map((job) => job.target)).toEqual(['a', 'a', 'b', 'b', 'c', 'c', 'd', 'd']);
  });

  it('take turns with the others when the number of jobs is unknown', async () => {
    const members = ['a', 'b', 'c'].map((name) => recorded(name, []));
    async function* jobs() {
      for (let i = 0; i < 6; i++) yield 'true';
    }
    const report = await distribute(jobs(), members, { concurrency: 1, keepJobs: true });
    expect(report.jobs.map((job) => job.target)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('are released as soon as they get no more jobs, once each', async () => {
    const log: string[] = [];
    const members = ['a', 'b', 'c'].map((name) => recorded(name, log));
    await distribute(
      Array.from({ length: 9 }, () => 'sleep 0.02'),
      members,
      { concurrency: 2, onEvent: logEnds(log) },
    );
    for (const name of ['a', 'b', 'c']) {
      expect(log.filter((line) => line === `release:${name}`)).toHaveLength(1);
      expect(log.indexOf(`release:${name}`)).toBeGreaterThan(log.lastIndexOf(`end:${name}`));
    }
    // Members are released while the run goes on, not all at its end.
    expect(log.indexOf('release:a')).toBeLessThan(log.lastIndexOf('end:c'));
  });

  it('are released after their pinned job in runOn; a target shared by two members once both are done', async () => {
    const log: string[] = [];
    const shared = recorded('shared', log).target;
    const report = await runOn(
      [recorded('a', log), { name: 'x', target: shared }, { name: 'y', target: shared }],
      'sleep 0.02',
      { concurrency: 1, onEvent: logEnds(log) },
    );
    expect(report.counts.ok).toBe(3);
    expect(log).toEqual(['end:a', 'release:a', 'end:x', 'end:y', 'release:shared']);
  });
});

describe('members over SSH', () => {
  it('close their connection once they get no more jobs', async () => {
    const hosts = fixtures().hosts.slice(4, 7);
    const members = hosts.map((host) => ({ name: host.host, target: createSshTarget(optionsFor(host)) }));
    const report = await distribute(
      Array.from({ length: 6 }, (_, i) => `echo ${i}`),
      members,
      { concurrency: 3, keepJobs: true },
    );
    expect(report.counts.ok).toBe(6);
    // The close is sent at once; the pool forgets the connection as the server answers.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const host of hosts) {
      expect(getSshPoolStats().find((row) => row.host === host.host)).toMatchObject({
        connected: false,
        connectionsOpened: 1,
      });
    }
  });
});
