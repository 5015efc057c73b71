import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { HOSTILE } from '../support/hostile.js';

/** The jobs' output without the `local #N: ` tags. */
const untagged = (stdout: string): string => stdout.replace(/^local #\d+: /gm, '');

describe('fanout jobs templates', { timeout: 120_000 }, () => {
  it('passes an argument to {} inside double quotes as text, never as code', async () => {
    const run = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '--',
      'echo "file: {}"',
      ':::',
      '$(id -un)',
    ]);
    expect(run.code).toBe(0);
    expect(untagged(run.stdout)).toBe('file: $(id -un)\n');
  });

  it('passes an argument to {} inside single quotes as text, never as code', async () => {
    const run = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '--',
      "echo '{}'",
      ':::',
      'x; id -un; echo',
    ]);
    expect(run.code).toBe(0);
    expect(untagged(run.stdout)).toBe('x; id -un; echo\n');
  });

  it('delivers every hostile argument exactly, bare, in single and in double quotes', async () => {
    // Compared as hex, so that newlines and control characters in the values cannot blur the lines.
    const values = HOSTILE.map(([, value]) => value).filter((value) => value.length < 1000);
    const template = `printf '%s|%s|%s' {} '{}' "{}" | od -An -tx1 -v | tr -d ' \\n'; echo`;
    const run = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '-j',
      '1',
      '--',
      template,
      ':::',
      ...values,
    ]);
    expect(run.code).toBe(0);
    const hex = (value: string): string => Buffer.from(`${value}|${value}|${value}`).toString('hex');
    expect(untagged(run.stdout).split('\n').filter(Boolean)).toEqual(values.map(hex));
  });

  it('refuses a template whose {} cannot be quoted safely, before anything runs', async () => {
    const run = await runCli(['jobs', 'local', '--', 'touch /tmp/never; echo `cat {}`', ':::', 'a']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain('inside backticks');
  });
});
