import { afterEach, describe, expect, it } from 'vitest';
import { LocalTarget } from '../../../src/targets/local.js';
import type { ExitStatus } from '../../../src/targets/target.js';
import { processesMatching, survivorsOf, uniqueSleep, waitFor } from '../../support/processes.js';
import { runRaw } from './targets.js';

/**
 * The session agent runs under bash when the target has it (job control gives each command a process group
 * for a fork) and under `sh` otherwise (a `setsid` per command). Either way a command runs with `sh -c`,
 * a kill reaches its whole tree, and output and status come back. The `sh` fallback is forced here the way
 * a user's environment would force it: a SHELLOPTS variable, which would change how bash starts.
 */
const shells = [
  { name: 'bash (job control)', env: {} },
  { name: 'sh fallback (setsid)', env: { SHELLOPTS: 'braceexpand' } },
];

describe.each(shells)('local session agent under $name', ({ env }) => {
  const saved = { ...process.env };
  let target: LocalTarget;
  const markers: string[] = [];

  afterEach(async () => {
    await target.dispose();
    process.env = { ...saved };
    for (const marker of markers.splice(0)) expect(await survivorsOf(marker)).toEqual([]);
  });

  function start(): LocalTarget {
    Object.assign(process.env, env);
    target = new LocalTarget();
    return target;
  }

  it('runs the command with sh -c, in its own process group, and reports its status', async () => {
    start();
    // $0 is what `sh -c` sets; bash would say "bash". The group id equals the shell's own pid.
    const { stdout, status } = await runRaw(target, `echo "$0 $(ps -o pgid= $$)" $$; exit 7`).exited;
    expect(status).toEqual<ExitStatus>({ exitCode: 7, signal: null });
    const [zero, pgid, pid] = stdout.toString().trim().split(/\s+/);
    expect(zero).toBe('sh');
    expect(pgid).toBe(pid);
  });

  it('a kill reaches every process the command started', async () => {
    start();
    const { command, marker } = uniqueSleep();
    markers.push(marker);
    const running = runRaw(target, `${command} & ${command} & wait`);
    await waitFor(() => processesMatching(marker).length >= 2, 5000, 'the sleeps to start');
    running.kill('SIGTERM');
    expect((await running.exited).status).toEqual<ExitStatus>({ exitCode: null, signal: 'SIGTERM' });
    expect(await survivorsOf(marker)).toEqual([]);
  });
});

describe('local session agent under bash', () => {
  it('leaves SIGINT to the command (a background job without job control would ignore it)', async () => {
    const target = new LocalTarget();
    try {
      const { command, marker } = uniqueSleep();
      const running = runRaw(target, command);
      await waitFor(() => processesMatching(marker).length >= 1, 5000, 'the sleep to start');
      running.kill('SIGINT');
      expect((await running.exited).status).toEqual<ExitStatus>({ exitCode: null, signal: 'SIGINT' });
    } finally {
      await target.dispose();
    }
  });
});
