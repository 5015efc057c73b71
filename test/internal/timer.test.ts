import { afterEach, describe, expect, it, vi } from 'vitest';
import { $ } from '../../src/dollar.js';
import { runOn } from '../../src/fleet/run-on.js';
import { MAX_TIMER_STEP_MS, setLongTimeout, sleep } from '../../src/internal/timer.js';
import { parseDuration } from '../../src/internal/duration.js';
import { within } from '../../src/shell/options.js';
import { localTarget } from '../../src/targets/local.js';
import { runCli } from '../support/cli.js';

const HOUR = 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('fires after 600h, not before: long delays are chained below the 2³¹ ms limit', async () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    setLongTimeout(fired, 600 * HOUR);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(MAX_TIMER_STEP_MS);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(600 * HOUR - MAX_TIMER_STEP_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10 * MAX_TIMER_STEP_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it.each([0, 5, MAX_TIMER_STEP_MS, MAX_TIMER_STEP_MS + 1, 3 * MAX_TIMER_STEP_MS + 7])(
    'fires exactly once at %i ms',
    async (ms) => {
      vi.useFakeTimers();
      const fired = vi.fn();
      setLongTimeout(fired, ms);
      if (ms > 0) {
        await vi.advanceTimersByTimeAsync(ms - 1);
        expect(fired).not.toHaveBeenCalled();
      }
      await vi.advanceTimersByTimeAsync(1);
      expect(fired).toHaveBeenCalledTimes(1);
    },
  );

  it('clear() stops it in any step, also from its later steps', async () => {
    vi.useFakeTimers();
    const early = vi.fn();
    setLongTimeout(early, 100).clear();
    const late = vi.fn();
    const timer = setLongTimeout(late, 2 * MAX_TIMER_STEP_MS + 5);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_STEP_MS + 10);
    timer.clear();
    timer.clear();
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_STEP_MS);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });

  it('unref() keeps every step unreferenced, so a pending timer does not hold the process', async () => {
    const timer = setLongTimeout(() => undefined, 2 * MAX_TIMER_STEP_MS).unref();
    const active = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    timer.clear();
    const referenced = setLongTimeout(() => undefined, 2 * MAX_TIMER_STEP_MS);
    const activeReferenced = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    referenced.clear();
    expect(activeReferenced).toBe(active + 1);
  });

  it.each([-1, Number.NaN, Infinity, '5' as never])('refuses a delay of %s', (ms) => {
    expect(() => setLongTimeout(() => undefined, ms)).toThrow(TypeError);
  });

  it('sleep() waits any length and rejects with the reason when its signal aborts', async () => {
    vi.useFakeTimers();
    const done = vi.fn();
    void sleep(600 * HOUR).then(done);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_STEP_MS + 1);
    expect(done).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(600 * HOUR);
    expect(done).toHaveBeenCalledTimes(1);
    const controller = new AbortController();
    const waiting = sleep(600 * HOUR, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    ['500ms', 500],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['600h', 600 * HOUR],
    ['8760h', 8760 * HOUR],
  ])('reads %s as %i ms', (value, ms) => {
    expect(parseDuration(value, 'timeout')).toBe(ms);
  });

  it.each(['8761h', 8760 * HOUR + 1, '99999999999999999999h', Number.MAX_SAFE_INTEGER])(
    'refuses %s, beyond a year, with a RangeError naming the option',
    (value) => {
      expect(() => parseDuration(value, 'timeout')).toThrow(RangeError);
      expect(() => parseDuration(value, 'timeout')).toThrow(/`timeout` to be at most 8760h/);
    },
  );

  it.each([-1, Infinity, Number.NaN, '5', '1e3ms', '-5s', 'soon', null])(
    'refuses %s with a TypeError',
    (value) => {
      expect(() => parseDuration(value, 'killGrace')).toThrow(TypeError);
      expect(() => parseDuration(value, 'killGrace')).toThrow(/`killGrace`/);
    },
  );
});

describe('durations past Node’s 2³¹ ms timer limit', () => {
  it('a command with .timeout("600h") runs to its end instead of being killed at once', async () => {
    const run = await $`sleep 0.3; echo finished`.timeout('600h');
    expect(run.stdout).toBe('finished\n');
    expect(run.timedOut).toBe(false);
  });

  it('a command under within({ timeout: "700h", killGrace: "650h" }) runs to its end', async () => {
    const run = await within({ timeout: '700h', killGrace: '650h' }, () => $`sleep 0.3; echo finished`);
    expect(run.ok).toBe(true);
  });

  it('a fleet job with a 600h timeout runs to its end', async () => {
    const report = await runOn([{ name: 'a', target: localTarget }], 'sleep 0.3; echo finished', {
      timeout: '600h',
    });
    expect(report.jobs.map((job) => [job.ok, job.stdout])).toEqual([[true, 'finished\n']]);
  });

  it('`fanout run local --timeout 600h` runs the job to its end; --timeout beyond a year is a usage error', async () => {
    const run = await runCli([
      'run',
      'local',
      '--timeout',
      '600h',
      '--progress',
      'none',
      '--',
      'sleep 0.3; echo finished',
    ]);
    expect(run.stdout).toContain('finished');
    expect(run.code).toBe(0);
    const refused = await runCli(['run', 'local', '--timeout', '9000h', '--progress', 'none', '--', 'true']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('--timeout');
    expect(refused.stderr).toContain('8760h');
  });
});
