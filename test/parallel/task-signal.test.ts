import { describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { CommandError } from '../../src/errors.js';
import {
  ConcurrencyLimiter,
  DynamicConcurrency,
  LoadBalancer,
  ParallelExecutor,
  RoundRobinDistributor,
  TaskBatcher,
  failSafe,
  fastFail,
  limit,
  parallelMap,
  parallelMapIterable,
  retry,
} from '../../src/parallel/index.js';
import { processesMatching, survivorsOf, uniqueSleep, waitFor } from '../support/processes.js';

/** A sleep that only this test runs, and a way to wait until it is up. */
function sleeper() {
  const { command, marker } = uniqueSleep();
  const started = () => waitFor(() => processesMatching(marker).length > 0, 10_000, marker);
  return { command, marker, started };
}

// Every task below ignores the signal it is given: the toolkit must still kill what it created.
describe.concurrent('`$` commands created in a toolkit task are cancelled with the task', () => {
  it('fastFail kills the running command when another task fails', async () => {
    const { command, marker } = sleeper();
    await expect(fastFail([() => $.run(command), () => $`exit 1`])).rejects.toBeInstanceOf(CommandError);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('failSafe kills the running commands when its signal aborts', async () => {
    const { command, marker, started } = sleeper();
    const controller = new AbortController();
    const settled = failSafe([() => $.run(command), () => $.run(command)], { signal: controller.signal });
    await started();
    controller.abort();
    await expect(settled).rejects.toMatchObject({ name: 'AbortError' });
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('parallelMap kills the other mappers’ commands at the first failure, also one awaited inside', async () => {
    const { command, marker } = sleeper();
    const mapped = parallelMap(
      [0, 1, 2],
      async (item) => {
        if (item === 2) return $`exit 3`;
        const result = await $.run(command);
        return result.stdout;
      },
      3,
    );
    await expect(mapped).rejects.toBeInstanceOf(CommandError);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('parallelMapIterable kills the commands read ahead when the loop ends early', async () => {
    const { command, marker, started } = sleeper();
    const seen: string[] = [];
    for await (const text of parallelMapIterable(
      [0, 1, 2],
      (item) => (item === 0 ? $`echo first`.text() : $.run(command).text()),
      3,
    )) {
      seen.push(text);
      await started();
      break;
    }
    expect(seen).toEqual(['first']);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('ParallelExecutor.executeWithRetry kills the running commands when a task runs out of retries', async () => {
    const { command, marker } = sleeper();
    const executor = new ParallelExecutor({ concurrency: 2 });
    await expect(
      executor.executeWithRetry([() => $.run(command), () => $`exit 1`], { retries: 1, minDelay: 10 }),
    ).rejects.toBeInstanceOf(CommandError);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('retry kills the running attempt when its signal aborts', async () => {
    const { command, marker, started } = sleeper();
    const controller = new AbortController();
    const retried = retry(() => $.run(command), { signal: controller.signal });
    await started();
    controller.abort();
    await expect(retried).rejects.toMatchObject({ name: 'AbortError' });
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('DynamicConcurrency with stopOnError kills the running commands at the first failure', async () => {
    const { command, marker } = sleeper();
    const dynamic = new DynamicConcurrency({ initial: 2, stopOnError: true });
    await expect(dynamic.execute([() => $.run(command), () => $`exit 1`])).rejects.toBeInstanceOf(
      CommandError,
    );
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('TaskBatcher kills the commands of a running batch when its signal aborts', async () => {
    const { command, marker, started } = sleeper();
    const controller = new AbortController();
    const batcher = new TaskBatcher(
      2,
      0,
      async (items: number[]) => {
        await $.run(command);
        return items;
      },
      { signal: controller.signal },
    );
    const results = Promise.all([batcher.add(1), batcher.add(2)]);
    await started();
    controller.abort();
    await expect(results).rejects.toMatchObject({ name: 'AbortError' });
    await expect(batcher.add(3)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('LoadBalancer kills the commands of its executor function when its signal aborts', async () => {
    const { command, marker, started } = sleeper();
    const controller = new AbortController();
    const balancer = new LoadBalancer([(task: string) => $.run(task)], { signal: controller.signal });
    const running = balancer.executeMany([{ task: command }, { task: command }]);
    await started();
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('RoundRobinDistributor kills the other workers’ commands at the first failure', async () => {
    const { command, marker } = sleeper();
    const distributor = new RoundRobinDistributor([(task: string) => $.run(task)]);
    await expect(distributor.distribute([command, 'exit 1'])).rejects.toBeInstanceOf(CommandError);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('limit() and ConcurrencyLimiter calls kill their commands when their signal aborts after they started', async () => {
    const first = sleeper();
    const second = sleeper();
    const controller = new AbortController();
    const call = limit(1).run(() => $.run(first.command), { signal: controller.signal });
    const other = new ConcurrencyLimiter(1).run(() => $.run(second.command), { signal: controller.signal });
    await Promise.all([first.started(), second.started()]);
    controller.abort();
    // Both at once: whichever rejects first must already have its handler.
    await Promise.all([
      expect(call).rejects.toMatchObject({ name: 'AbortError' }),
      expect(other).rejects.toMatchObject({ name: 'AbortError' }),
    ]);
    expect(await survivorsOf(first.marker)).toEqual([]);
    expect(await survivorsOf(second.marker)).toEqual([]);
  });

  it('a command with its own .signal() is cancelled by either signal', async () => {
    const { command, marker } = sleeper();
    const own = new AbortController();
    await expect(fastFail([() => $.run(command).signal(own.signal), () => $`exit 1`])).rejects.toBeInstanceOf(
      CommandError,
    );
    expect(await survivorsOf(marker)).toEqual([]);

    const second = sleeper();
    const running = fastFail([() => $.run(second.command).signal(own.signal)]);
    await second.started();
    own.abort(new Error('own signal'));
    await expect(running).rejects.toThrow('own signal');
    expect(await survivorsOf(second.marker)).toEqual([]);
  });

  it('a nested toolkit call inside a task is cancelled with the outer task', async () => {
    const { command, marker } = sleeper();
    const outer = fastFail([
      () => parallelMap([0, 1], () => $.run(command), 2),
      () => new Promise((_, reject) => setTimeout(() => reject(new Error('outer failure')), 300)),
    ]);
    await expect(outer).rejects.toThrow('outer failure');
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('a command created outside any task is not tied to one', async () => {
    const result = await fastFail([() => 1]).then(() => $`echo free`.text());
    expect(result).toBe('free');
  });
});
