import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { $ } from '../../src/dollar.js';
import { CommandError, FanoutError } from '../../src/errors.js';
import { formatJoblogLine } from '../../src/fleet/journal/joblog.js';
import type { JobReport } from '../../src/fleet/report.js';
import { maskUriPassword, redactSecrets, registerSecret } from '../../src/internal/secrets.js';
import { processesMatching, waitFor } from '../support/processes.js';

function newSecret(): string {
  return `lib-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

describe('the secret registry', () => {
  it('masks every registered value, a longer one whole', () => {
    const short = newSecret();
    registerSecret(short);
    registerSecret(`${short}-longer`);
    expect(redactSecrets(`a=${short} b=${short}-longer`)).toBe('a=*** b=***');
  });

  it('leaves values under 4 characters alone: they would mask ordinary text', () => {
    registerSecret('on');
    expect(redactSecrets('turned on')).toBe('turned on');
  });

  it('masks registered values in FanoutError messages and joblog lines', () => {
    const secret = newSecret();
    registerSecret(secret);
    expect(new FanoutError(`cannot use ${secret}`, { code: 'CONFIG_INVALID' }).message).toBe(
      'cannot use ***',
    );
    const report: JobReport = {
      seq: 1,
      command: `curl -u me:${secret} x`,
      args: [],
      target: 'local',
      stage: 'run',
      ok: true,
      exitCode: 0,
      signal: null,
      attempts: 1,
      startedAt: 0,
      durationMs: 1,
      outputBytes: 0,
      stdout: '',
      stderr: '',
      error: undefined,
      errorCode: undefined,
    };
    expect(formatJoblogLine(report).endsWith('\tcurl -u me:*** x')).toBe(true);
  });

  it('masks the password of a URI', () => {
    expect(maskUriPassword('ssh://bob:pw@web1:22')).toBe('ssh://bob:***@web1:22');
    expect(maskUriPassword('bob:pw@web1')).toBe('bob:***@web1');
    for (const uri of ['ssh://bob@web1:22', 'ssh://web1:22', 'user@[::1]:22', 'k8s://ns/pod:app', 'local'])
      expect(maskUriPassword(uri)).toBeUndefined();
  });
});

describe('$.secret', () => {
  it('reaches the command with its real value, through the environment, off the argv', async () => {
    const secret = newSecret();
    const seconds = `2.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const sleep = `sleep ${seconds}`;
    const command = $`printf '%s' ${$.secret(secret)}; sleep ${seconds}`;
    const running = command.text();
    await waitFor(() => processesMatching(sleep).length > 0, 10_000, 'the command to run');
    expect(processesMatching(secret)).toEqual([]);
    expect(await running).toBe(secret);
    expect(command.command).not.toContain(secret);
  });

  it('keeps spaces and quotes of the value as one argument', async () => {
    const value = `it's "a" ${newSecret()} $(id)`;
    expect(await $`printf '%s|' ${$.secret(value)} end`.text()).toBe(`${value}|end|`);
  });

  it('shows as *** when printed, serialised or inspected, and in error messages', async () => {
    const secret = newSecret();
    const wrapped = $.secret(secret);
    expect(String(wrapped)).toBe('***');
    expect(JSON.stringify({ wrapped })).toBe('{"wrapped":"***"}');
    expect(inspect(wrapped)).toBe('Secret(***)');
    const error = await $`echo ${secret} >&2; echo ${wrapped}; exit 3`.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).not.toContain(secret);
    expect((error as CommandError).message).toContain('***');
  });
});
