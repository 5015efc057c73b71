import { describe, expect, it } from 'vitest';
import { parseSshSpec, validateSshOptions } from '../../../src/targets/ssh/options.js';

describe('parseSshSpec', () => {
  it.each([
    ['web1', { host: 'web1' }],
    ['deploy@web1', { host: 'web1', user: 'deploy' }],
    ['deploy@web1:2222', { host: 'web1', user: 'deploy', port: 2222 }],
    ['ssh://deploy@127.0.0.3:2222', { host: '127.0.0.3', user: 'deploy', port: 2222 }],
    ['ssh://web1', { host: 'web1' }],
    ['root@[::1]:22', { host: '::1', user: 'root', port: 22 }],
  ])('reads %s', (spec, expected) => {
    expect(parseSshSpec(spec)).toEqual(expected);
  });

  it.each(['', 'a@', 'host:port', 'ssh://a@b:70000', 'a b'])('rejects %j with a TypeError', (spec) => {
    expect(() => parseSshSpec(spec)).toThrow(TypeError);
  });
});

describe('validateSshOptions', () => {
  it.each([
    [{ host: 'h', colour: 1 }, /Unknown SSH option `colour`/],
    [{ host: '' }, /`host`/],
    [{ host: 'h', port: 0 }, /`port` to be an integer from 1 to 65535, got `0` \(number\)/],
    [{ host: 'h', maxChannels: 1.5 }, /`maxChannels`/],
    [{ host: 'h', hostKeyPolicy: 'yes' }, /`hostKeyPolicy`/],
    [{ host: 'h', connectTimeout: 'soon' }, /`connectTimeout`/],
    [{ host: 'h', identityFile: [''] }, /`identityFile`/],
    [{ host: 'h', agent: true }, /`agent`/],
  ])('rejects %j once, at the boundary', (options, message) => {
    expect(() => validateSshOptions(options as never)).toThrow(message);
  });

  it('accepts every documented option', () => {
    const options = {
      host: 'h',
      user: 'u',
      port: 22,
      password: 'p',
      privateKey: Buffer.from('k'),
      passphrase: 'x',
      identityFile: ['~/.ssh/id'],
      agent: false,
      configFile: false,
      knownHostsFile: '/k',
      hostKeyPolicy: 'accept-new',
      proxyJump: 'j',
      connectTimeout: '5s',
      keepalive: false,
      keepaliveCountMax: 3,
      maxChannels: 10,
      idleTimeout: 1000,
    } as const;
    expect(validateSshOptions(options)).toBe(options);
  });
});
