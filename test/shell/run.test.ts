import { describe, expect, it } from 'vitest';
import { ConnectionError, MaxBufferError, TimeoutError } from '../../src/errors.js';
import { runCommand, type RunRequest } from '../../src/shell/run.js';
import { localTarget } from '../../src/targets/local.js';
import type { Target } from '../../src/targets/target.js';
import { survivorsOf, uniqueSleep, waitFor, processesMatching } from '../support/processes.js';

function request(command: string, overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    target: localTarget,
    command,
    cwd: undefined,
    env: {},
    stdin: undefined,
    timeoutMs: undefined,
    killGraceMs: 3000,
    signal: undefined,
    keepOutput: true,
    maxBuffer: 1024 * 1024,
    onStdout: undefined,
    onStderr: undefined,
    ...overrides,
  };
}

describe('runCommand', () => {
  it('resolves with the result and no error for a command that succeeds', async () => {
    const outcome = await runCommand(request('echo out; echo err >&2')).outcome;
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, ok: true });
    expect(outcome.outputBytes).toBe(8);
  });

  it('kills a command that passes maxBuffer and fails with a MaxBufferError holding the head', async () => {
    const { command, marker } = uniqueSleep();
    const outcome = await runCommand(request(`head -c 5000 /dev/zero; ${command}`, { maxBuffer: 1000 }))
      .outcome;
    expect(outcome.error).toBeInstanceOf(MaxBufferError);
    expect(outcome.error).toMatchObject({ code: 'MAX_BUFFER', target: 'local' });
    expect(outcome.stdout.length).toBe(1000);
    expect(outcome.outputBytes).toBeGreaterThan(1000);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('keeps nothing and applies no cap when keepOutput is off, and still counts and streams the bytes', async () => {
    let streamed = 0;
    const outcome = await runCommand(
      request('head -c 5000 /dev/zero', {
        keepOutput: false,
        maxBuffer: 1000,
        onStdout: (chunk) => (streamed += chunk.length),
      }),
    ).outcome;
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout.length).toBe(0);
    expect(outcome.outputBytes).toBe(5000);
    expect(streamed).toBe(5000);
  });

  it('sends TERM on timeout, then KILL after the grace to a command that ignores TERM', async () => {
    const { command, marker } = uniqueSleep();
    const outcome = await runCommand(
      request(`trap '' TERM; echo started; ${command} & wait; wait`, { timeoutMs: 200, killGraceMs: 400 }),
    ).outcome;
    expect(outcome.error).toBeInstanceOf(TimeoutError);
    expect(outcome).toMatchObject({ timedOut: true, result: { signal: 'SIGKILL', stdout: 'started\n' } });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(550);
    expect(outcome.durationMs).toBeLessThan(5000);
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('kills the command when the signal aborts and reports the run as aborted, with no error', async () => {
    const { command, marker } = uniqueSleep();
    const controller = new AbortController();
    const run = runCommand(request(command, { signal: controller.signal }));
    await waitFor(() => processesMatching(marker).length > 0, 5000, 'the command to start');
    controller.abort();
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ aborted: true, error: undefined, result: { signal: 'SIGTERM' } });
    expect(await survivorsOf(marker)).toEqual([]);
  });

  it('never starts a command whose signal is already aborted', async () => {
    const { command, marker } = uniqueSleep();
    const outcome = await runCommand(request(command, { signal: AbortSignal.abort() })).outcome;
    expect(outcome).toMatchObject({ aborted: true, result: undefined });
    expect(processesMatching(marker)).toEqual([]);
  });

  it("turns a target's failure, thrown or rejected, into the outcome's error with its code", async () => {
    const lost = new ConnectionError('gone', { code: 'CONNECTION_LOST', target: 'test://x' });
    const throwing: Target = {
      id: 'test://x',
      spawn: () => {
        throw lost;
      },
      dispose: async () => {},
    };
    const rejecting: Target = {
      id: 'test://x',
      spawn: () => ({ exited: Promise.reject(lost), kill: () => {} }),
      dispose: async () => {},
    };
    for (const target of [throwing, rejecting]) {
      const outcome = await runCommand(request('true', { target })).outcome;
      expect(outcome).toMatchObject({
        result: undefined,
        aborted: false,
        error: { code: 'CONNECTION_LOST' },
      });
    }
  });
});
