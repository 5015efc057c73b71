import { describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { LoadBalancer, RoundRobinDistributor, fastFail, type ProgressEvent } from '../../src/index.js';
import { ProcessResult } from '../../src/shell/result.js';
import type { Shell } from '../../src/shell/shell.js';
import { processesMatching, survivorsOf, uniqueSleep, waitFor } from '../support/processes.js';

describe('$.parallel.all', () => {
  it('resolves with every result in input order, from commands, command lines and functions', async () => {
    const results = await $.parallel.all([$`echo a`, 'echo b', () => $`echo ${'c d'}`]);
    expect(results.map(String)).toEqual(['a', 'b', 'c d']);
  });

  it('maxConcurrent holds lazy ProcessPromises back unstarted', async () => {
    const commands = Array.from({ length: 5 }, () => $`sleep 0.3`);
    const all = $.parallel.all(commands, { maxConcurrent: 2 });
    await waitFor(() => commands.some((command) => command.started), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(commands.filter((command) => command.started)).toHaveLength(2);
    await all;
    expect(commands.every((command) => command.started)).toBe(true);
  });

  it('rejects at the first failure and kills the running commands', async () => {
    const { marker, command: line } = uniqueSleep();
    const slow = $.raw`${line}`;
    await expect($.parallel.all([slow, () => $`sleep 0.2; exit 7`])).rejects.toMatchObject({ exitCode: 7 });
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
  });

  it('kills the running commands when its signal aborts', async () => {
    const { marker, command: line } = uniqueSleep();
    const controller = new AbortController();
    const all = $.parallel.all([line], { signal: controller.signal });
    await waitFor(() => processesMatching(marker).length > 0, 10_000);
    controller.abort(new Error('stop'));
    await expect(all).rejects.toThrow('stop');
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
  });

  it('fires onProgress as each command finishes, not at the end', async () => {
    const events: ProgressEvent[] = [];
    await $.parallel.all([$`true`, $`sleep 1`], { onProgress: (event) => events.push(event) });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ completed: 1, running: 1, total: 2, percent: 50 });
    expect(events[1]).toMatchObject({ completed: 2, running: 0, percent: 100 });
  });

  it('validates its options before running anything', () => {
    expect(() => $.parallel.settled(['true', 42 as never])).toThrow(TypeError);
    expect(() => $.parallel.all([], { maxConcurrent: 0 })).toThrow(
      'Expected `maxConcurrent` to be an integer from 1 and up, got `0` (number)',
    );
  });
});

describe('$.parallel.settled', () => {
  it('counts a non-zero exit as failed even under .nothrow(), and keeps its result', async () => {
    const { results, succeeded, failed, durationMs } = await $.parallel.settled([
      $`echo fine`,
      $`exit 3`.nothrow(),
      'exit 4',
    ]);
    expect(results[0]).toBeInstanceOf(ProcessResult);
    expect((results[1] as ProcessResult).exitCode).toBe(3);
    expect(succeeded.map(String)).toEqual(['fine']);
    expect(
      failed.map(({ index, command, error }) => [index, command, (error as { exitCode?: number }).exitCode]),
    ).toEqual([
      [1, 'exit 3', 3],
      [2, 'exit 4', 4],
    ]);
    expect(durationMs).toBeGreaterThan(0);
  });

  it('with stopOnError kills the running commands and starts no more', async () => {
    const { marker, command: line } = uniqueSleep();
    const never = $`echo never`;
    const { failed, succeeded } = await $.parallel.settled([line, 'sleep 0.2; exit 1', never], {
      maxConcurrent: 2,
      stopOnError: true,
    });
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
    expect(never.started).toBe(false);
    expect(succeeded).toHaveLength(0);
    expect(failed.map(({ index }) => index)).toEqual([0, 1, 2]);
  });
});

describe('$.parallel.race', () => {
  it('settles with the first command to finish and kills the losers', async () => {
    const { marker, command: line } = uniqueSleep();
    const winner = await $.parallel.race([line, $`echo fast`]);
    expect(String(winner)).toBe('fast');
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
  });
});

describe('$.parallel.map', () => {
  it('maps items to commands with a limit and keeps input order', async () => {
    const contents = await $.parallel.map(['x', 'y y', 'z'], (item) => $`echo ${item}`.text(), {
      maxConcurrent: 2,
    });
    expect(contents).toEqual(['x', 'y y', 'z']);
  });

  it('kills the commands still running when one fails', async () => {
    const { marker, command: line } = uniqueSleep();
    const mapping = $.parallel.map([line, 'exit 9'], (command) => $.raw`${command}`);
    await expect(mapping).rejects.toMatchObject({ exitCode: 9 });
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
  });
});

describe('cancellation of $ commands by the generic toolkit', () => {
  it('fastFail kills in-flight commands that take the task signal', async () => {
    const { marker, command: line } = uniqueSleep();
    await expect(
      fastFail([(signal) => $.raw`${line}`.signal(signal), () => $`sleep 0.2; exit 2`]),
    ).rejects.toMatchObject({ exitCode: 2 });
    expect(await survivorsOf(marker, 10_000)).toEqual([]);
  });
});

describe('distribution to shell workers', () => {
  it('RoundRobinDistributor runs command lines and shell functions on target specs and shells', async () => {
    const distributor = new RoundRobinDistributor<string | ((sh: Shell) => unknown), ProcessResult>([
      'local',
      $,
    ]);
    const perWorker = await distributor.distribute(['echo 1', (sh) => sh`echo ${'two words'}`, 'echo 3']);
    expect(perWorker.map(({ results }) => results.map(String))).toEqual([['1', '3'], ['two words']]);
  });

  it('LoadBalancer spreads weighted commands over local workers', async () => {
    const balancer = new LoadBalancer<string, ProcessResult>(['local', 'local://']);
    const placed = await balancer.executeMany([
      { task: 'sleep 0.2; echo heavy', weight: 5 },
      { task: 'echo light', weight: 1 },
      { task: 'echo next', weight: 1 },
    ]);
    expect(placed.map(({ worker, result }) => [worker, String(result)])).toEqual([
      ['local', 'heavy'],
      ['local://', 'light'],
      ['local://', 'next'],
    ]);
  });

  it('rejects a worker spec it cannot resolve', () => {
    expect(() => new RoundRobinDistributor(['web1'])).toThrow(/Unknown target `web1`/);
  });
});
