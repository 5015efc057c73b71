import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  $,
  CommandError,
  createShell,
  LocalTarget,
  ProcessResult,
  SpawnError,
  TimeoutError,
  within,
} from '../../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'fanout-pp-'));

describe('results', () => {
  it('resolves with every field of a successful command', async () => {
    const result = await $`echo out; echo err >&2`;
    expect(result).toBeInstanceOf(ProcessResult);
    expect(result).toMatchObject({
      stdout: 'out\n',
      stderr: 'err\n',
      exitCode: 0,
      signal: null,
      ok: true,
      timedOut: false,
      command: 'echo out; echo err >&2',
      target: 'local',
    });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(String(result)).toBe('out');
  });

  it('records the exact command line that ran, with quoting applied', async () => {
    const result = await $`echo ${'a b'}`;
    expect(result.command).toBe("echo 'a b'");
  });

  it.each([1, 2, 42, 255])('rejects exit code %i with a CommandError carrying the result', async (code) => {
    const error = await $`echo partial; echo oops >&2; exit ${code}`.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({
      code: 'COMMAND_FAILED',
      exitCode: code,
      signal: null,
      ok: false,
      stdout: 'partial\n',
      stderr: 'oops\n',
      target: 'local',
      command: `echo partial; echo oops >&2; exit ${code}`,
    });
    const message = (error as Error).message;
    expect(message).toContain('local');
    expect(message).toContain(`exit code ${code}`);
    expect(message).toContain(`exit ${code}`);
    expect(message).toContain('oops');
  });

  it('resolves a failed command under nothrow, with ok false', async () => {
    const result = await $`exit 3`.nothrow();
    expect(result).toMatchObject({ exitCode: 3, ok: false });
  });

  it('reports a command ended by a signal', async () => {
    // A session agent reads a shell's status, where a signal it did not send looks like exit 128 + n.
    const $ = createShell(new LocalTarget({ session: false }));
    const result = await $`kill -USR1 $$`.nothrow();
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGUSR1', ok: false });
    await expect($`kill -USR1 $$`).rejects.toMatchObject({ code: 'COMMAND_FAILED', signal: 'SIGUSR1' });
  });

  it('rejects with a SpawnError when the command cannot start', async () => {
    const error = await $`true`.cwd('/does/not/exist').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'SPAWN_FAILED', target: 'local', command: 'true' });
  });
});

describe('consumers', () => {
  it('gives trimmed text, parsed JSON, lines and exact bytes', async () => {
    expect(await $`printf '  hi  \n'`.text()).toBe('hi');
    expect(await $`echo '{"a":[1,2]}'`.json<{ a: number[] }>()).toEqual({ a: [1, 2] });
    expect(await $`printf 'a\nb\r\n\nc'`.lines()).toEqual(['a', 'b', '', 'c']);
    expect(await $`printf '\\000\\377'`.buffer()).toEqual(Buffer.from([0, 255]));
  });

  it('streams stdout lines while the command still runs', async () => {
    const seen: Array<{ line: string; at: number }> = [];
    const start = Date.now();
    for await (const line of $`echo first; sleep 0.5; echo second`)
      seen.push({ line, at: Date.now() - start });
    expect(seen.map((entry) => entry.line)).toEqual(['first', 'second']);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThan(300);
  });

  it('yields a last line that has no newline, and throws the failure after the lines', async () => {
    const lines: string[] = [];
    const iterate = async () => {
      for await (const line of $`printf 'a\nb'; exit 4`) lines.push(line);
    };
    await expect(iterate()).rejects.toMatchObject({ exitCode: 4 });
    expect(lines).toEqual(['a', 'b']);
  });
});

describe('stdin', () => {
  it.each([
    ['a string', 'hello\nworld'],
    ['a Buffer', Buffer.from('hello\nworld')],
    ['a Readable', Readable.from(['hello\n', 'world'])],
  ])('feeds %s to the command', async (_name, input) => {
    expect(await $`cat`.stdin(input).text()).toBe('hello\nworld');
  });

  it('gives end-of-file at once when no stdin is set', async () => {
    expect(await $`cat; echo done`.timeout('5s').text()).toBe('done');
  });

  it('does not fail when the command exits without reading its input', async () => {
    expect((await $`true`.stdin('x'.repeat(1_000_000))).ok).toBe(true);
  });
});

describe('laziness', () => {
  it('does not run a command that is never awaited', async () => {
    const marker = join(scratch, 'lazy');
    const command = $`touch ${marker}`;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(marker)).toBe(false);
    expect(command.started).toBe(false);
    await command;
    expect(existsSync(marker)).toBe(true);
  });

  it('runs once however many times it is awaited', async () => {
    const counter = join(scratch, 'count');
    const command = $`echo x >> ${counter}`;
    await Promise.all([command, command, command.text()]);
    expect(await $`wc -l < ${counter}`.text()).toBe('1');
  });

  it('refuses option changes and kills before the start, and option changes after it', async () => {
    const command = $`sleep 0.1`;
    expect(() => command.kill()).toThrow(TypeError);
    await command;
    expect(() => command.timeout('1s')).toThrow(TypeError);
  });
});

describe('options', () => {
  it('applies cwd and env', async () => {
    expect(await $`pwd`.cwd(scratch).text()).toBe(scratch);
    expect(await $`echo "$A-$B"`.env({ A: '1' }).env({ B: '2' }).text()).toBe('1-2');
    expect(await $`echo "$HOME"`.env({ A: '1' }).text()).toBe(process.env.HOME);
  });

  it('scopes defaults with within, across awaits and nested scopes', async () => {
    await within({ cwd: scratch, env: { OUTER: 'o' } }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await $`pwd`.text()).toBe(scratch);
      await within({ env: { INNER: 'i' } }, async () => {
        expect(await $`echo "$OUTER$INNER"`.text()).toBe('oi');
      });
      expect(await $`echo "$OUTER$INNER"`.text()).toBe('o');
    });
    expect(await $`pwd`.text()).toBe(process.cwd());
  });

  it('takes the scope in force when the command is created, not when it starts', async () => {
    const command = within({ cwd: scratch }, () => $`pwd`);
    expect(await command.text()).toBe(scratch);
  });

  it('binds defaults with $(options), which calls can override', async () => {
    const $scratch = $({ cwd: scratch, nothrow: true });
    expect(await $scratch`pwd`.text()).toBe(scratch);
    expect((await $scratch`exit 1`).exitCode).toBe(1);
    expect(await $scratch`pwd`.cwd('/').text()).toBe('/');
  });

  it.each([
    [{ timeout: 'soon' }, /timeout/],
    [{ timeout: -1 }, /timeout/],
    [{ maxBuffer: 0 }, /maxBuffer/],
    [{ env: { A: 1 } }, /env\.A/],
    [{ signal: 'stop' }, /signal/],
    [{ colour: true }, /Unknown option `colour`/],
  ])('rejects bad options %j with a TypeError naming the option', (options, message) => {
    expect(() => $(options as never)).toThrow(message);
  });

  it('echoes the command and its output when verbose, and nothing under quiet', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await $({ verbose: true })`echo loud`;
      await $({ verbose: true })`echo hushed`.quiet();
      const written = [...out.mock.calls, ...err.mock.calls].map((call) => String(call[0])).join('');
      expect(written).toContain('$ echo loud');
      expect(written).toContain('loud\n');
      expect(written).not.toContain('hushed');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe('timeouts', () => {
  afterEach(() => vi.useRealTimers());

  it('rejects with a TimeoutError that carries the output so far', async () => {
    const error = await $`echo started; sleep 10`.timeout('300ms').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', timedOut: true, stdout: 'started\n', ok: false });
    expect((error as TimeoutError).durationMs).toBeGreaterThanOrEqual(250);
    expect((error as TimeoutError).durationMs).toBeLessThan(5000);
  });

  it('resolves a timed-out command under nothrow, with timedOut set', async () => {
    const result = await $`sleep 10`.timeout(200).nothrow();
    expect(result).toMatchObject({ timedOut: true, ok: false, signal: 'SIGTERM' });
  });
});

describe('targets that throw', () => {
  it('turns a target that throws while starting into a rejection', async () => {
    const broken = createShell({
      id: 'broken://x',
      spawn() {
        throw new Error('cannot start');
      },
      dispose: async () => {},
    });
    const command = broken`true`;
    let thrown: unknown;
    const settled = (() => {
      try {
        return command.then(
          () => 'resolved',
          (error: unknown) => (error as Error).message,
        );
      } catch (error) {
        thrown = error;
        return undefined;
      }
    })();
    expect(thrown).toBeUndefined();
    expect(await settled).toBe('cannot start');
  });
});
