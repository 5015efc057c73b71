import { describe, expect, it } from 'vitest';
import { ConnectionError, FanoutError } from '../../../src/errors.js';
import { mapConnectError, readHandshakeStatus } from '../../../src/targets/kubernetes/map-error.js';

const where = { target: 'k8s://prod/web/app', command: 'uptime' };

function nodeError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:6443`), { code });
}

/** The shape `ws` hands to `onerror`, as the client rejects with it. */
function errorEvent(error: Error) {
  return { type: 'error', message: error.message, error };
}

describe('mapConnectError', () => {
  it.each([
    [new Error('Unexpected server response: 401'), 'AUTH_FAILED'],
    [new Error('Unexpected server response: 403'), 'AUTH_FAILED'],
    [new Error('Unexpected server response: 404'), 'TARGET_NOT_FOUND'],
    [new Error('Unexpected server response: 400'), 'TARGET_UNAVAILABLE'],
    [new Error('Unexpected server response: 503'), 'TARGET_UNAVAILABLE'],
    [new Error('Unexpected server response: 418'), 'CONNECTION_FAILED'],
    [errorEvent(new Error('Unexpected server response: 404')), 'TARGET_NOT_FOUND'],
    [errorEvent(nodeError('ECONNREFUSED')), 'CONNECTION_FAILED'],
    [nodeError('ENOTFOUND'), 'CONNECTION_FAILED'],
    [nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'), 'CONNECTION_FAILED'],
    [new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), 'CONNECTION_FAILED'],
    ['a string', 'CONNECTION_FAILED'],
  ])('maps %o to %s, naming the target and the command', (error, code) => {
    const mapped = mapConnectError(error, where);
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped).toMatchObject({ code, target: where.target, command: where.command });
    expect(mapped.message).toContain(where.target);
    expect(mapped.message).toContain(where.command);
  });

  it('keeps the underlying error as the cause', () => {
    const cause = nodeError('ECONNREFUSED');
    expect(mapConnectError(errorEvent(cause), where).cause).toBe(cause);
  });

  it('gives a FanoutError without a target (a connect timeout) this target and command', () => {
    const timeout = new FanoutError('did not open within 5 ms', { code: 'CONNECT_TIMEOUT' });
    const mapped = mapConnectError(timeout, where);
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped).toMatchObject({ code: 'CONNECT_TIMEOUT', target: where.target, command: where.command });
    expect(mapped.cause).toBe(timeout);
  });

  it('passes a FanoutError with a target through unchanged', () => {
    const error = new FanoutError('already typed', { code: 'CONFIG_INVALID', target: where.target });
    expect(mapConnectError(error, where)).toBe(error);
  });
});

describe('readHandshakeStatus', () => {
  it.each([
    [new Error('Unexpected server response: 401'), 401],
    [errorEvent(new Error('Unexpected server response: 500')), 500],
    [nodeError('ECONNREFUSED'), undefined],
  ])('reads %o as %s', (error, status) => {
    expect(readHandshakeStatus(error)).toBe(status);
  });
});
