import { afterEach, describe, expect, it, vi } from 'vitest';
import { getDockerClient, resolveDockerEndpoint } from '../../../src/targets/docker/client.js';
import { normalizeDockerOptions } from '../../../src/targets/docker/options.js';

describe('normalizeDockerOptions', () => {
  it.each([
    ['app', { id: 'docker://app', container: 'app' }],
    ['docker://app', { id: 'docker://app', container: 'app' }],
    ['/app', { id: 'docker://app', container: 'app' }],
    [
      { container: 'web.1', user: 'nobody', workdir: '/srv' },
      { container: 'web.1', user: 'nobody', workdir: '/srv' },
    ],
  ] as const)('accepts %j', (spec, expected) => {
    expect(normalizeDockerOptions(spec)).toMatchObject(expected);
  });

  it('names a throwaway container up front', () => {
    const options = normalizeDockerOptions({ image: 'busybox' });
    expect(options.image).toBe('busybox');
    expect(options.id).toBe(`docker://${options.container}`);
    expect(options.container).toMatch(/^fanout-[0-9a-f]{12}$/);
  });

  it.each([
    ['', 'empty name'],
    ['docker://', 'empty URI'],
    ['a/b', 'a slash'],
    ['app;rm', 'a semicolon'],
    [{}, 'neither container nor image'],
    [{ container: 'a', image: 'b' }, 'both container and image'],
    [{ container: 'a', tty: true }, 'an unknown option'],
    [{ container: 'a', env: { N: 1 } }, 'a non-string env value'],
    [{ container: 'a', user: '' }, 'an empty user'],
    [42, 'a number'],
  ])('rejects %j (%s) with a TypeError of the one option-error shape', (spec, _) => {
    const attempt = () => normalizeDockerOptions(spec as never);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(/^(Expected .+|Unknown option `tty` of a Docker target; known: .+)$/);
  });

  it('names the option and the value it got', () => {
    expect(() => normalizeDockerOptions({ container: 'a', session: 'no' } as never)).toThrow(
      new TypeError('Expected `session` to be a boolean, got `no` (string)'),
    );
    expect(() => normalizeDockerOptions('a/b')).toThrow(
      new TypeError('Expected `container` to be a container name or id, got `a/b` (string)'),
    );
  });
});

describe('resolveDockerEndpoint', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    [undefined, '/x.sock', { key: 'unix:/x.sock', socketPath: '/x.sock' }],
    ['unix:///run/d.sock', undefined, { key: 'unix:/run/d.sock', socketPath: '/run/d.sock' }],
    ['tcp://10.0.0.1:2375', undefined, { key: 'host:tcp://10.0.0.1:2375', socketPath: undefined }],
    ['tcp://10.0.0.1:2375', '/x.sock', { key: 'unix:/x.sock', socketPath: '/x.sock' }],
  ])('DOCKER_HOST=%s, socketPath=%s', (host, socketPath, expected) => {
    vi.stubEnv('DOCKER_HOST', host);
    expect(resolveDockerEndpoint(socketPath)).toMatchObject(expected);
  });

  it('shares one client per daemon', () => {
    const a = getDockerClient(resolveDockerEndpoint('/a.sock'));
    expect(getDockerClient(resolveDockerEndpoint('/a.sock'))).toBe(a);
    expect(getDockerClient(resolveDockerEndpoint('/b.sock'))).not.toBe(a);
  });
});
