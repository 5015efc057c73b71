import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../../src/errors.js';
import type { ExecEnd } from '../../../src/targets/kubernetes/exec-session.js';
import { interpretExecEnd } from '../../../src/targets/kubernetes/outcome.js';

const where = { target: 'k8s://shop/web/app', command: 'make deploy' };
const exited = (exitCode: number): ExecEnd => ({
  kind: 'status',
  outcome: { kind: 'exited', exitCode },
  text: '',
});
const failed: ExecEnd = {
  kind: 'status',
  outcome: { kind: 'failed', reason: 'InternalError', message: 'container not running' },
  text: '',
};

describe('interpretExecEnd', () => {
  it.each([
    ['exit 0', exited(0), { exitCode: 0, signal: null }],
    ['exit 3', exited(3), { exitCode: 3, signal: null }],
    [
      'exit 143 as a code (the signal is read by the caller, which knows what it sent)',
      exited(143),
      { exitCode: 143, signal: null },
    ],
  ] as const)('reads %s', (_name, end, status) => {
    expect(interpretExecEnd(end, where)).toEqual(status);
  });

  it.each([
    ['a close without status', { kind: 'closed', code: 1006, reason: '' }, 'NO_EXIT_STATUS'],
    ['an unreadable status', { kind: 'status', outcome: undefined, text: '?' }, 'NO_EXIT_STATUS'],
    ['a server-side failure', failed, 'CONNECTION_LOST'],
  ] as const)('rejects %s as %s', (_name, end, code) => {
    const run = () => interpretExecEnd(end as ExecEnd, where);
    expect(run).toThrow(ConnectionError);
    expect(run).toThrow(expect.objectContaining({ code, ...where }));
  });
});
