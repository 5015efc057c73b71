import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FanoutError } from '../../../src/errors.js';
import { resolveSshSettings } from '../../../src/targets/ssh/settings.js';

let dir: string;
let configFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout-ssh-config-'));
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(
    join(dir, 'conf.d', '10-web.conf'),
    ['Host web*', '  User deploy', '  Port 2200', '  IdentityFile ~/.ssh/%r@%h-%p', ''].join('\n'),
  );
  writeFileSync(join(dir, 'conf.d', '20-db.conf'), ['Host db', '  HostName 10.0.0.9', ''].join('\n'));
  writeFileSync(join(dir, 'extra'), ['Host inner', '  HostName inner.example', ''].join('\n'));
  configFile = join(dir, 'config');
  writeFileSync(
    configFile,
    [
      'Include conf.d/*.conf',
      'Host web1',
      '  HostName 10.0.0.5',
      '  Port 2222',
      'Host bastion',
      '  HostName 10.0.0.1',
      '  User jump',
      'Host private',
      '  HostName 10.1.0.7',
      '  ProxyJump bastion',
      'Host chain',
      '  ProxyJump bastion,admin@db:2022',
      'Host legacy',
      '  ProxyCommand nc %h %p',
      'Host strict-off',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile ~/kh/%h',
      '  ConnectTimeout 4',
      '  ServerAliveInterval 7',
      'Match exec "touch ' + join(dir, 'exec-ran') + '"',
      '  User nobody-should-see-this',
      'Host alias-%h',
      '  HostName %h.example',
      'Host *',
      '  User fallback',
      '  Include extra',
      '',
    ].join('\n'),
  );
});

const resolve = (host: string, extra = {}) =>
  resolveSshSettings({ host, configFile, agent: false, ...extra });

describe('resolveSshSettings', () => {
  it('takes HostName, Port and User from the first matching block, through a globbed Include', () => {
    const web = resolve('web1');
    expect([web.hostname, web.port, web.user, web.id]).toEqual([
      '10.0.0.5',
      2200,
      'deploy',
      'ssh://deploy@web1:2200',
    ]);
  });

  it('expands ~ and %r %h %p in IdentityFile', () => {
    expect(resolve('web7').identityFiles).toEqual([join(homedir(), '.ssh', 'deploy@web7-2200')]);
  });

  it('defaults HostName to the alias and lets explicit options win', () => {
    const plain = resolve('plain.example', { user: 'me', port: 2022 });
    expect([plain.hostname, plain.user, plain.port]).toEqual(['plain.example', 'me', 2022]);
    expect(resolve('web1', { user: 'root' }).user).toBe('root');
  });

  it('follows an Include inside a Host block', () => {
    expect(resolve('inner').hostname).toBe('inner.example');
  });

  it('resolves ProxyJump hops through the same config', () => {
    const target = resolve('private');
    expect(target.hostname).toBe('10.1.0.7');
    expect([target.jump?.hostname, target.jump?.user, target.jump?.jump]).toEqual([
      '10.0.0.1',
      'jump',
      undefined,
    ]);
    const chain = resolve('chain');
    expect([chain.jump?.hostname, chain.jump?.user, chain.jump?.port]).toEqual(['10.0.0.9', 'admin', 2022]);
    expect(chain.jump?.jump?.hostname).toBe('10.0.0.1');
    expect(resolve('private', { proxyJump: false }).jump).toBeUndefined();
  });

  it('maps StrictHostKeyChecking, UserKnownHostsFile, ConnectTimeout and ServerAliveInterval', () => {
    const settings = resolve('strict-off');
    expect(settings.hostKeyPolicy).toBe('accept-new');
    expect(settings.knownHostsFiles[0]).toBe(join(homedir(), 'kh', 'strict-off'));
    expect([settings.connectTimeoutMs, settings.keepaliveMs]).toEqual([4000, 7000]);
    expect(resolve('web1').hostKeyPolicy).toBe('strict');
  });

  it('never runs Match exec', () => {
    expect(resolve('web1').user).toBe('deploy');
    expect(() => writeFileSync(join(dir, 'exec-ran'), '', { flag: 'wx' })).not.toThrow();
  });

  it('refuses a ProxyCommand it would silently skip', () => {
    expect(() => resolve('legacy')).toThrow(FanoutError);
    expect(() => resolve('legacy')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(resolve('legacy', { proxyJump: false }).hostname).toBe('legacy');
  });

  it('shares a pool key between equal routes and separates different credentials', () => {
    expect(resolve('web1').poolKey).toBe(resolve('web1').poolKey);
    expect(resolve('web1').poolKey).not.toBe(resolve('web1', { password: 'x' }).poolKey);
    expect(resolve('web1').poolKey).not.toBe(resolve('web1', { user: 'other' }).poolKey);
  });

  it('reports a missing config file as CONFIG_INVALID', () => {
    expect(() => resolveSshSettings({ host: 'x', configFile: join(dir, 'nope') })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
