import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { $ } from '../../../src/dollar.js';
import { TimeoutError } from '../../../src/errors.js';
import { closeSshConnections } from '../../../src/targets/ssh/index.js';
import { cleanUp, fixtures, optionsFor, survivorsOf, waitForProcess } from './helpers.js';

const MARK = 'sleep 100.4'; // every marker below starts with it

afterEach(() => cleanUp(MARK));
afterAll(() => closeSshConnections());

/** A command with children: a background sleep, a foreground sleep, and the shell waiting on both. */
const tree = (marker: string) => `sleep ${marker}1 & sleep ${marker}2; wait`;

describe.each([true, false])('remote kills (session agents: %s)', (session) => {
  it('a timeout kills the whole remote process tree and leaves its sibling alone', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[0]!, { session }));
    const sibling = shell`sleep 2; echo sibling`.text();
    const started = Date.now();
    const error = await shell
      .run(tree('100.4242'))
      .timeout('1s')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timedOut: true, signal: 'SIGTERM', target: fixtures().hosts[0]!.uri });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await survivorsOf('100.4242')).toEqual([]);
    expect(await sibling).toBe('sibling');
  });

  it('an AbortSignal kills the remote tree and rejects with its reason', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[1]!, { session }));
    const controller = new AbortController();
    const running = shell.run(tree('100.4343')).signal(controller.signal);
    const settled = running.catch((caught: unknown) => caught);
    await waitForProcess('100.43432');
    controller.abort(new Error('stop'));
    expect(await settled).toMatchObject({ message: 'stop' });
    expect(await survivorsOf('100.4343')).toEqual([]);
  });

  it('.kill() reaches a command that ignores SIGTERM through SIGKILL after the grace period', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[2]!, { session }));
    const running = shell({ killGrace: '500ms' })
      .run(`trap '' TERM; sleep 100.4444 & sleep 100.4445; wait`)
      .nothrow();
    void running.then(() => {});
    await waitForProcess('100.4445');
    running.kill('SIGTERM');
    const result = await running;
    expect(result.signal).toBe('SIGKILL');
    expect(await survivorsOf('100.444')).toEqual([]);
  });

  it('kills the tree of a root login, whose SSH signal requests sshd ignores, from a second channel', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[3]!, { user: 'root', session }));
    expect(await shell`id -u`.text()).toBe('0');
    const error = await shell
      .run(tree('100.4646'))
      .timeout('2s')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(await survivorsOf('100.4646')).toEqual([]);
  });

  it('a kill before the channel opens stops the command from ever starting', async () => {
    const shell = $.ssh(optionsFor(fixtures().hosts[4]!, { session }));
    // Eleven commands: the last one waits in the queue for a channel when it is killed.
    const busy = Array.from({ length: 10 }, () => shell`sleep 1`);
    const queued = shell`sleep 100.4747`.nothrow();
    void queued.then(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    queued.kill('SIGTERM');
    expect((await queued).signal).toBe('SIGTERM');
    await Promise.all(busy);
    expect(await survivorsOf('100.4747', 500)).toEqual([]);
  });
});
