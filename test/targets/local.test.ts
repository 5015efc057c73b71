import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { $, LocalTarget, MaxBufferError, createShell, localTarget } from '../../src/index.js';
import { processesMatching, uniqueSleep, waitFor } from '../support/processes.js';

/** A command that forks two children and waits on them. */
function forkingCommand() {
  const { command, marker } = uniqueSleep();
  return { line: `sh -c '${command} & ${command} & wait'`, marker };
}

async function startedAndRunning(marker: string): Promise<void> {
  await waitFor(() => processesMatching(marker).length >= 2, 5000, `${marker} to start`);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe.each([true, false])('local target kills (session agents: %s)', (session) => {
  const target = session ? localTarget : new LocalTarget({ session: false });
  const sh = session ? $ : createShell(target);
  const markers: string[] = [];
  afterEach(async () => {
    // Leave nothing behind even when an assertion failed.
    for (const marker of markers.splice(0)) await $`pkill -KILL -f ${marker}`.nothrow();
  });

  it('timeout kills the whole process tree', async () => {
    const { line, marker } = forkingCommand();
    markers.push(marker);
    const error = await sh.raw`${line}`.timeout('500ms').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(processesMatching(marker)).toEqual([]);
  });

  it('abort kills the whole process tree and rejects with the signal reason', async () => {
    const { line, marker } = forkingCommand();
    markers.push(marker);
    const controller = new AbortController();
    const running = sh.raw`${line}`.signal(controller.signal).catch((e: unknown) => e);
    await startedAndRunning(marker);
    const reason = new Error('operator said stop');
    controller.abort(reason);
    expect(await running).toBe(reason);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('kill() kills the whole process tree', async () => {
    const { line, marker } = forkingCommand();
    markers.push(marker);
    const command = sh.raw`${line}`.nothrow();
    const done = command.then((r) => r);
    await startedAndRunning(marker);
    command.kill();
    const result = await done;
    expect(result.ok).toBe(false);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('sends SIGKILL after the grace period to a command that ignores SIGTERM', async () => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const started = Date.now();
    const result = await sh.raw`trap '' TERM; ${command} & wait; wait`
      .timeout(200)
      .nothrow()
      .signal(AbortSignal.timeout(20_000));
    const killedAfter = Date.now() - started;
    // killGrace defaults to 3 s; the TERM alone did not end it.
    expect(killedAfter).toBeGreaterThan(2500);
    expect(result.timedOut).toBe(true);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('honours a shorter killGrace', async () => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const started = Date.now();
    await sh({ killGrace: 300 }).raw`trap '' TERM; ${command} & wait; wait`.timeout(100).nothrow();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(processesMatching(marker)).toEqual([]);
  });

  it('does not start a command whose signal is already aborted', async () => {
    const { command, marker } = uniqueSleep();
    await expect(sh.raw`${command}`.signal(AbortSignal.abort())).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(processesMatching(marker)).toEqual([]);
  });

  it('kills the command when a line loop ends early', async () => {
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    for await (const line of sh.raw`echo ready; ${command}`) {
      expect(line).toBe('ready');
      break;
    }
    await waitFor(() => processesMatching(marker).length === 0, 5000, 'the command to die');
  });

  it('dispose() kills every running local command', async () => {
    const { line, marker } = forkingCommand();
    markers.push(marker);
    const running = sh.raw`${line}`.nothrow();
    const done = running.then((r) => r);
    await startedAndRunning(marker);
    await target.dispose();
    expect((await done).signal).toBe('SIGKILL');
    expect(processesMatching(marker)).toEqual([]);
  });

  it.each(['exit', 'signal'])('leaves nothing running when the parent ends by %s', async (how) => {
    const { marker } = uniqueSleep();
    const sleepArg = marker.slice('sleep '.length);
    markers.push(marker);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/leave-running.mts', how, sleepArg],
      {
        stdio: 'pipe',
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await startedAndRunning(marker);
    if (how === 'signal') process.kill(child.pid!, 'SIGTERM');
    else child.stdin.write('go\n');
    await new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => processesMatching(marker).length === 0, 5000, 'the orphans to die');
  });
});

describe('local target output', () => {
  it('captures 50 MB on stdout and stderr at once, byte for byte', async () => {
    // Text made of lines of varying length, different on each stream, written in interleaved chunks.
    const make = `const make = (seed) => { const b = Buffer.alloc(50 * 1024 * 1024); for (let i = 0; i < b.length; i++) b[i] = (i + seed) % 97 === 0 ? 10 : 97 + ((i * seed) % 26); return b; };`;
    const script = `${make} const o = make(7), e = make(11); for (let i = 0; i < o.length; i += 1 << 20) { process.stdout.write(o.subarray(i, i + (1 << 20))); process.stderr.write(e.subarray(i, i + (1 << 20))); }`;
    const expected = new Function(`${make} return [make(7), make(11)];`)() as [Buffer, Buffer];
    const command = $`node -e ${script}`;
    const result = await command;
    expect(result.ok).toBe(true);
    expect(sha256(await command.buffer())).toBe(sha256(expected[0]));
    expect(sha256(result.stdout)).toBe(sha256(expected[0]));
    expect(sha256(result.stderr)).toBe(sha256(expected[1]));
  }, 120_000);

  it('fails loudly past maxBuffer: typed error, process killed, head of the output kept', async () => {
    const { command, marker } = uniqueSleep();
    const limited = await $({ maxBuffer: 1000 }).raw`seq 1 100000; ${command}`
      .timeout('20s')
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(MaxBufferError);
    expect(limited).toMatchObject({ code: 'MAX_BUFFER' });
    expect((limited as MaxBufferError).stdout).toHaveLength(1000);
    expect((limited as MaxBufferError).stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(processesMatching(marker)).toEqual([]);
  });
});

describe('local target environment', () => {
  afterEach(() => {
    for (const name of ['FANOUT_ENV_KEPT', 'FANOUT_ENV_GONE', 'FANOUT_ENV_NEW']) delete process.env[name];
  });

  it.each([true, false])(
    'a command sees this process’s environment as it is when the command starts, under its own (session agents: %s)',
    async (session) => {
      // A target of its own, so that its agents start with the variables below.
      const target = new LocalTarget({ session });
      const sh = createShell(target);
      const show = 'echo "${FANOUT_ENV_KEPT-unset} ${FANOUT_ENV_GONE-unset} ${FANOUT_ENV_NEW-unset}"';
      try {
        process.env.FANOUT_ENV_KEPT = 'first';
        process.env.FANOUT_ENV_GONE = 'there';
        expect(await sh.raw`${show}`.text()).toBe('first there unset');
        process.env.FANOUT_ENV_KEPT = 'second';
        delete process.env.FANOUT_ENV_GONE;
        process.env.FANOUT_ENV_NEW = 'new';
        expect(await sh.raw`${show}`.text()).toBe('second unset new');
        expect(await sh.raw`${show}`.env({ FANOUT_ENV_GONE: 'own', FANOUT_ENV_NEW: 'mine' }).text()).toBe(
          'second own mine',
        );
        expect(await sh.raw`${show}`.text()).toBe('second unset new');
      } finally {
        await target.dispose();
      }
    },
  );
});
