import { describe, expect, it } from 'vitest';
import {
  LoadBalancer,
  RoundRobinDistributor,
  assignRoundRobin,
  pickLeastLoaded,
} from '../../src/parallel/index.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('assignRoundRobin', () => {
  it.each([
    { tasks: 5, workers: 3, start: 0, expected: [0, 1, 2, 0, 1] },
    { tasks: 4, workers: 3, start: 2, expected: [2, 0, 1, 2] },
    { tasks: 0, workers: 2, start: 1, expected: [] },
  ])('deals $tasks tasks over $workers workers from $start', ({ tasks, workers, start, expected }) => {
    expect(assignRoundRobin(tasks, workers, start)).toEqual(expected);
  });
});

describe('pickLeastLoaded', () => {
  it.each([
    { loads: [3, 1, 2], start: 0, expected: 1 },
    { loads: [0, 0, 0], start: 0, expected: 0 },
    { loads: [0, 0, 0], start: 2, expected: 2 },
    { loads: [1, 0, 0], start: 0, expected: 1 },
    { loads: [5, 5, 1], start: 1, expected: 2 },
  ])('picks $expected from $loads starting at $start', ({ loads, start, expected }) => {
    expect(pickLeastLoaded(loads, start)).toBe(expected);
  });
});

describe('RoundRobinDistributor', () => {
  it('deals tasks to executor-function workers in turn, carrying the turn over', async () => {
    const workers = ['a', 'b', 'c'].map((name) => async (task: string) => `${name}:${task}`);
    const distributor = new RoundRobinDistributor(workers);
    const first = await distributor.distribute(['t1', 't2', 't3', 't4']);
    expect(first.map(({ results }) => results)).toEqual([['a:t1', 'a:t4'], ['b:t2'], ['c:t3']]);
    const second = await distributor.distribute(['t5', 't6']);
    expect(second.map(({ results }) => results)).toEqual([[], ['b:t5'], ['c:t6']]);
  });

  it('runs plain worker values through `execute` with a per-worker limit', async () => {
    const running = new Map<string, number>();
    let peak = 0;
    const distributor = new RoundRobinDistributor(['x', 'y'], {
      concurrency: 1,
      execute: async (task: number, worker: string) => {
        running.set(worker, (running.get(worker) ?? 0) + 1);
        peak = Math.max(peak, running.get(worker)!);
        await tick();
        running.set(worker, running.get(worker)! - 1);
        return task * 2;
      },
    });
    const results = await distributor.distribute([1, 2, 3, 4, 5]);
    expect(results).toEqual([
      { worker: 'x', results: [2, 6, 10] },
      { worker: 'y', results: [4, 8] },
    ]);
    expect(peak).toBe(1);
  });

  it('rejects at the first failure and aborts the other tasks', async () => {
    const signals: AbortSignal[] = [];
    const distributor = new RoundRobinDistributor([
      async (_task: number, signal: AbortSignal) => {
        signals.push(signal);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      },
      async () => {
        throw new Error('worker b failed');
      },
    ]);
    await expect(distributor.distribute([1, 2])).rejects.toThrow('worker b failed');
    expect(signals[0]?.aborted).toBe(true);
  });

  it('needs workers it can run', () => {
    expect(() => new RoundRobinDistributor([])).toThrow(TypeError);
    expect(() => new RoundRobinDistributor([{ host: 'web1' }])).toThrow(/pass `execute`/);
  });
});

describe('LoadBalancer', () => {
  it('sends each task to the worker with the least outstanding weight', async () => {
    const gates: Array<() => void> = [];
    const balancer = new LoadBalancer(['w1', 'w2', 'w3'], {
      execute: (task: string) => new Promise<string>((resolve) => gates.push(() => resolve(task))),
    });
    const heavy = balancer.execute('heavy', 5);
    const medium = balancer.execute('medium', 3);
    const light = balancer.execute('light', 1);
    expect(balancer.loads).toEqual([5, 3, 1]);
    const next = balancer.execute('next', 1);
    expect(balancer.loads).toEqual([5, 3, 2]);
    for (const open of gates) open();
    const placed = await Promise.all([heavy, medium, light, next]);
    expect(placed.map(({ worker }) => worker)).toEqual(['w1', 'w2', 'w3', 'w3']);
    expect(balancer.loads).toEqual([0, 0, 0]);
  });

  it('rotates ties, so equal load spreads evenly', async () => {
    const balancer = new LoadBalancer(['a', 'b', 'c'], {
      execute: async (_task: number, worker: string) => worker,
    });
    const sequential: string[] = [];
    for (let i = 0; i < 6; i++) sequential.push((await balancer.execute(i)).worker);
    expect(sequential).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const many = await balancer.executeMany(Array.from({ length: 6 }, (_, task) => ({ task })));
    expect(many.map(({ worker }) => worker).sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('validates weights before starting anything', async () => {
    let calls = 0;
    const balancer = new LoadBalancer([async () => ++calls]);
    expect(() => balancer.executeMany([{ task: 1 }, { task: 2, weight: 0 }])).toThrow(TypeError);
    expect(calls).toBe(0);
  });
});
