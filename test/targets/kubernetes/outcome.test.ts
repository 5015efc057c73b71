import { describe, expect, it } from 'vitest';
import { ConnectionError, SpawnError } from '../../../src/errors.js';
import type { ExecEnd } from '../../../src/targets/kubernetes/exec-session.js';
import { interpretExecEnd, type ExecFacts } from '../../../src/targets/kubernetes/outcome.js';

const facts: ExecFacts = {
  target: 'k8s://shop/web/app',
  command: 'make deploy',
  cwd: undefined,
  started: true,
  noDirectory: false,
  sentSignals: new Set(),
};
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
    ['exit 0', exited(0), {}, { exitCode: 0, signal: null }],
    ['exit 3', exited(3), {}, { exitCode: 3, signal: null }],
    [
      '143 after SIGTERM',
      exited(143),
      { sentSignals: new Set(['SIGTERM']) },
      { exitCode: null, signal: 'SIGTERM' },
    ],
    [
      '137 after SIGTERM then SIGKILL',
      exited(137),
      { sentSignals: new Set(['SIGTERM', 'SIGKILL']) },
      { exitCode: null, signal: 'SIGKILL' },
    ],
    ['143 with no signal sent', exited(143), {}, { exitCode: 143, signal: null }],
  ] as const)('reads %s', (_name, end, extra, status) => {
    expect(interpretExecEnd(end, { ...facts, ...(extra as Partial<ExecFacts>) })).toEqual(status);
  });

  it.each([
    [
      'a close without status',
      { kind: 'closed', code: 1006, reason: '' },
      {},
      ConnectionError,
      'NO_EXIT_STATUS',
    ],
    [
      'an unreadable status',
      { kind: 'status', outcome: undefined, text: '?' },
      {},
      ConnectionError,
      'NO_EXIT_STATUS',
    ],
    ['a failure before the wrapper started', failed, { started: false }, SpawnError, 'SPAWN_FAILED'],
    ['a failure after the command started', failed, {}, ConnectionError, 'CONNECTION_LOST'],
    ['a missing directory', exited(126), { noDirectory: true, cwd: '/x' }, SpawnError, 'SPAWN_FAILED'],
  ] as const)('rejects %s as %s', (_name, end, extra, type, code) => {
    const run = () => interpretExecEnd(end as ExecEnd, { ...facts, ...(extra as Partial<ExecFacts>) });
    expect(run).toThrow(type);
    expect(run).toThrow(expect.objectContaining({ code, target: facts.target, command: facts.command }));
  });
});
