import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localFleet, runCli } from '../support/cli.js';

describe('help, version and wording', () => {
  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    expect(run.stdout.trim()).toBe(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version,
    );
    expect(run.code).toBe(0);
  });

  it("each command's --help lists its own flags and examples, not another command's", async () => {
    const ping = await runCli(['ping', '--help']);
    expect(ping.stdout).toContain('--timeout');
    expect(ping.stdout).not.toContain('--halt');
    expect(ping.stdout).toContain('fanout ping @all');
    expect(ping.stdout).not.toContain('{/.}');
    const jobs = await runCli(['jobs', '--help']);
    expect(jobs.stdout).toContain('--colsep');
    expect(jobs.stdout).toContain('{/.} base name without extension');
    expect(jobs.stdout).not.toContain('fanout ping');
    const run = await runCli(['run', '--help']);
    expect(run.stdout).toContain('--stdin');
    expect(run.stdout).not.toContain('--colsep');
    expect(run.stdout).toContain('fanout run @web -- uptime');
  });

  it('says "1 job", not "1 jobs"', async () => {
    const { dir, inventory } = localFleet(2);
    const run = await runCli(['run', '-i', inventory, 'node1', '--progress', 'none', '--', 'true'], {
      cwd: dir,
    });
    expect(run.stderr).toMatch(/fanout: 1 job in [\d.]+s: 1 ok/);
  });
});
