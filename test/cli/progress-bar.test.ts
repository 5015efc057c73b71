import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';

/** Runs the CLI on a real pseudo-terminal (util-linux `script`), 120 columns wide; stdout and stderr both go to it. */
function runInTerminal(args: readonly string[], cwd: string): Promise<{ raw: string; code: number | null }> {
  const quoted = [process.execPath, CLI, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`);
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${quoted.join(' ')}`, '/dev/null'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end();
  let raw = '';
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ raw, code })));
}

/** The frames drawn: what lies between two clearings (carriage return, clear line, then cursor up and clear). */
function framesOf(raw: string): string[][] {
  return (
    raw
      // eslint-disable-next-line no-control-regex -- the escape codes are what separate frames
      .split(/\r\x1b\[K(?:\x1b\[1A\x1b\[K)*/)
      .map((chunk) => chunk.split(/\r?\n/).map((line) => line.replace(/\r/g, '')))
      .filter((lines) => /^\S*\s*(\[[█░]+\] )?\d+\/\d+ done/.test(lines[0]!.trim()))
  );
}

function etaSeconds(frame: readonly string[]): number | undefined {
  const match = /ETA (?:(\d+)m)?(\d+)s/.exec(frame[0]!);
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : undefined;
}

describe('the progress bar on a terminal', { timeout: 120_000 }, () => {
  it('redraws counts per group, an ETA from durations and the stalled job in place, and leaves the final tallies', async () => {
    const { dir, inventory } = sshInventory([], ['node1']);
    // 21 jobs on 3 slots: twenty of half a second and one (#4) of 6 s, which stalls.
    const args = ['0.5', '0.5', '0.5', '6', ...Array.from({ length: 17 }, () => '0.5')];
    const started = performance.now();
    const { raw, code } = await runInTerminal(
      ['jobs', '-i', inventory, 'h1', 'h2', 'node1', '-j', '3', '--', 'echo {}; sleep {}', ':::', ...args],
      dir,
    );
    const seconds = (performance.now() - started) / 1000;
    expect(code).toBe(0);
    const frames = framesOf(raw);
    expect(frames.length).toBeGreaterThan(5);
    // Redrawn in place, at most 10 times a second.
    expect(raw).toContain('\x1b[1A\x1b[K');
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);

    // Targets named one by one are counted under their kind, each group on a line of its own.
    const running = frames.find((frame) => / [1-9]\d?\/21 done/.test(frame[0]!))!;
    expect(running[1]).toMatch(/^ {2}ssh +\d+ done, \d+ failed, \d+ running$/);
    expect(running[2]).toMatch(/^ {2}local +\d+ done, \d+ failed, \d+ running$/);

    // No ETA before a job finished; once a third of the jobs did, the ETA follows from their durations
    // (about half a second each, 3 at a time, for the 14 or so left): a few seconds.
    expect(frames[0]!.join('\n')).not.toContain('ETA');
    const third = frames.find((frame) => Number(/ (\d+)\/21 done/.exec(frame[0]!)![1]) >= 7)!;
    expect(etaSeconds(third)).toBeGreaterThanOrEqual(1);
    expect(etaSeconds(third)).toBeLessThanOrEqual(12);

    // Job #4 stalls: the frames name it with the target it runs on (its output line says which).
    const target = /(h1|h2|node1) #4: 6/.exec(raw)![1];
    const stalled = frames.flat().find((line) => line.includes('stalled:'));
    expect(stalled).toMatch(new RegExp(`^ {2}stalled: ${target} #4 \\(\\d+s\\)$`));

    // The last frame stays: every job done, nothing running, the groups adding up, no ETA and no stall.
    const last = frames.at(-1)!;
    expect(last[0]).toMatch(/^\s*\[█{20}\] 21\/21 done, 0 failed, 0 running, [\d.]+\/s$/);
    const groupDone = last
      .slice(1)
      .map((line) => /^ {2}\S+ +(\d+) done, 0 failed, 0 running$/.exec(line))
      .filter((match) => match !== null)
      .reduce((sum, match) => sum + Number(match[1]), 0);
    expect(groupDone).toBe(21);
    expect(last.some((line) => line.includes('stalled'))).toBe(false);
    expect(raw).toMatch(/fanout: 21 jobs in [\d.]+s: 21 ok/);
  });

  it('shows each group of `run` against its number of targets, failures included', async () => {
    const { dir, inventory } = sshInventory([], ['node1']);
    const { raw, code } = await runInTerminal(
      ['run', '-i', inventory, '@fixtures', 'node1', '--', 'sleep 0.3; [ -n "$SSH_CONNECTION" ]'],
      dir,
    );
    expect(code).toBe(1);
    const last = framesOf(raw).at(-1)!;
    expect(last[0]).toMatch(/9\/9 done, 1 failed, 0 running/);
    expect(last).toContain('  @fixtures [██████████] 8/8 done, 0 failed, 0 running');
    expect(last).toContain('  local     [██████████] 1/1 done, 1 failed, 0 running');
  });

  it('draws no bar off a terminal: plain lines without escape codes', async () => {
    const { dir, inventory } = sshInventory([], ['node1']);
    const run = await runCli(['run', '-i', inventory, 'h1', 'node1', '--', 'sleep 1.2'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('\x1b[');
    expect(run.stderr).toMatch(/^fanout: 2\/2 done, 0 failed, 0 running, [\d.]+\/s$/m);
  });
});
