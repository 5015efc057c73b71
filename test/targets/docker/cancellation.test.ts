import { describe, expect, inject, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { TimeoutError } from '../../../src/errors.js';
import { createShell } from '../../../src/shell/shell.js';
import { createDockerTarget } from '../../../src/targets/docker/index.js';
import { processesIn } from '../../support/docker.js';

const { containers, socketPath } = inject('docker');
const container = containers[1] ?? '';

/** A `sleep` no other test runs, so `ps` in the shared container tells this test's processes apart. */
function uniqueSleep(): string {
  return `sleep 100.${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

async function survivors(marker: string): Promise<string[]> {
  return (await processesIn(container, socketPath)).filter((line) => line.includes(marker));
}

async function waitUntilRunning(marker: string): Promise<void> {
  for (let i = 0; i < 100 && (await survivors(marker)).length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.each([true, false])('Docker target: cancellation (session agents: %s)', (session) => {
  it('timeout kills the whole process group, children included', async () => {
    const sleep = uniqueSleep();
    const error = await $.docker({ container, session })
      .run(`${sleep} & ${sleep}`)
      .timeout('1s')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timedOut: true, signal: 'SIGTERM', target: `docker://${container}` });
    expect(await survivors(sleep)).toEqual([]);
  });

  it('abort escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const sleep = uniqueSleep();
    const controller = new AbortController();
    const running = $.docker({ container, session })({ killGrace: '500ms' })
      .run(`trap '' TERM; ${sleep} & ${sleep}; wait`)
      .signal(controller.signal);
    const settled = running.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await waitUntilRunning(sleep);
    expect((await survivors(sleep)).length).toBeGreaterThanOrEqual(2);
    controller.abort(new Error('stop'));
    expect(await settled).toMatchObject({ message: 'stop' });
    expect(await survivors(sleep)).toEqual([]);
  });

  it('a kill sent before the command has reported its pid still reaches it', async () => {
    const sleep = uniqueSleep();
    const running = $.docker({ container, session }).run(`${sleep} & ${sleep}`).nothrow();
    const settled = running.then((result) => result);
    running.kill('SIGKILL');
    expect(await settled).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    expect(await survivors(sleep)).toEqual([]);
  });

  it('dispose kills what still runs', async () => {
    const sleep = uniqueSleep();
    const target = createDockerTarget({ container, session });
    const running = createShell(target).run(`${sleep} & ${sleep}`).nothrow();
    const settled = running.then((result) => result);
    await waitUntilRunning(sleep);
    await target.dispose();
    expect(await settled).toMatchObject({ signal: 'SIGKILL' });
    expect(await survivors(sleep)).toEqual([]);
  });
});
