import { describe, expect, it } from 'vitest';
import type { FanoutError } from '../../src/errors.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory, parseInventory, type InventoryOptions } from '../../src/fleet/inventory.js';
import { selectTargets } from '../../src/fleet/selection.js';

function failure(text: string, options: InventoryOptions = {}): FanoutError {
  try {
    parseInventory(text, 'fleet.yaml', options);
  } catch (error) {
    return error as FanoutError;
  }
  throw new Error('expected the inventory to be rejected');
}

describe('an inventory cannot take over built-ins or turn off security', () => {
  it('refuses to redefine the built-in target `local`, naming the file and line', () => {
    const error = failure('targets:\n  web1: ssh://10.0.0.1\n  local:\n    uri: ssh://10.0.0.9\n');
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.message).toMatch(/^fleet\.yaml:3: target name `local` is built in/);
  });

  it('refuses `local` as a host of an Ansible inventory too', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fanout-inventory-')), 'hosts.ini');
    writeFileSync(file, '[web]\nweb1 ansible_host=10.0.0.1\nlocal ansible_host=10.0.0.9\n');
    expect(() => loadInventory(file)).toThrow(`${file}:3: target name \`local\` is built in`);
  });

  it('keeps `local` in a selection this machine even when an inventory is read', () => {
    const inventory = parseInventory('targets:\n  web1: ssh://10.0.0.1\n', 'fleet.yaml');
    expect(selectTargets(inventory, ['local'])[0]).toMatchObject({ kind: 'local', source: 'command line' });
  });

  it.each([
    [
      'targets:\n  web1:\n    uri: ssh://10.0.0.1\n    hostKeyPolicy: insecure\n',
      4,
      /hostKeyPolicy.*host-key/,
    ],
    [
      'defaults:\n  ssh:\n    hostKeyPolicy: insecure\ntargets:\n  web1: ssh://10.0.0.1\n',
      3,
      /hostKeyPolicy/,
    ],
    [
      'targets:\n  web1:\n    uri: ssh://10.0.0.1\n    password: hunter22\n',
      4,
      /`password`.*password in a file/,
    ],
    ['defaults:\n  ssh: { password: hunter22 }\ntargets:\n  web1: ssh://10.0.0.1\n', 2, /`password`/],
  ])('refuses insecure options without --allow-insecure (%#)', (text, line, pattern) => {
    const error = failure(text);
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.message.startsWith(`fleet.yaml:${line}: `)).toBe(true);
    expect(error.message).toMatch(pattern);
    expect(error.message).toMatch(/--allow-insecure/);
    expect(error.message).not.toContain('hunter22');
  });

  it('accepts insecure options when the command line allows them', () => {
    const inventory = parseInventory(
      'targets:\n  web1:\n    uri: ssh://10.0.0.1\n    hostKeyPolicy: insecure\n    password: hunter22\n',
      'fleet.yaml',
      { allowInsecure: true },
    );
    expect(inventory.targets.get('web1')?.options).toEqual({
      hostKeyPolicy: 'insecure',
      password: 'hunter22',
    });
  });

  it('still accepts the safe host-key policies', () => {
    const inventory = parseInventory(
      'targets:\n  web1:\n    uri: ssh://10.0.0.1\n    hostKeyPolicy: accept-new\n',
      'fleet.yaml',
    );
    expect(inventory.targets.get('web1')?.options).toEqual({ hostKeyPolicy: 'accept-new' });
  });

  it('refuses a password in a target URI without printing it', () => {
    for (const [text, line] of [
      ['targets:\n  web1: ssh://bob:hunter22@10.0.0.1\n', 2],
      ['targets:\n  web1:\n    weight: 2\n    uri: ssh://bob:hunter22@10.0.0.1:2222\n', 4],
    ] as const) {
      const error = failure(text, { allowInsecure: true });
      expect(error.code).toBe('INVENTORY_INVALID');
      expect(error.message.startsWith(`fleet.yaml:${line}: `)).toBe(true);
      expect(error.message).toMatch(/target `web1` \(`ssh:\/\/bob:\*\*\*@10\.0\.0\.1/);
      expect(error.message).toMatch(/password in a target URI is refused/);
      expect(error.message).not.toContain('hunter22');
    }
  });

  it('refuses a password in a URI given as a selection without printing it', () => {
    const error = (() => {
      try {
        selectTargets(undefined, ['ssh://bob:hunter22@10.0.0.1']);
      } catch (caught) {
        return caught as FanoutError;
      }
      throw new Error('expected the selection to be rejected');
    })();
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(
      /target `ssh:\/\/bob:\*\*\*@10\.0\.0\.1`: a password in a target URI is refused/,
    );
    expect(error.message).not.toContain('hunter22');
  });
});

describe('inventory env', () => {
  it('reads env per target over defaults.env, as strings', () => {
    const inventory = parseInventory(
      [
        'defaults:',
        '  env: { STAGE: prod, REPLICAS: 3 }',
        'targets:',
        '  web1:',
        '    uri: ssh://10.0.0.1',
        '    env: { STAGE: canary, ROLE: web }',
        '  web2: ssh://10.0.0.2',
      ].join('\n'),
      'fleet.yaml',
    );
    expect(inventory.targets.get('web1')?.env).toEqual({ STAGE: 'canary', REPLICAS: '3', ROLE: 'web' });
    expect(inventory.targets.get('web2')?.env).toEqual({ STAGE: 'prod', REPLICAS: '3' });
  });

  it.each([
    [
      'targets:\n  web1:\n    uri: local\n    env: { 1BAD: x }\n',
      4,
      /`1BAD` in `env` of target `web1` is not an environment variable name/,
    ],
    ['targets:\n  web1:\n    uri: local\n    env: [A, B]\n', 4, /`env` of target `web1` must be a mapping/],
    [
      'defaults:\n  env:\n    A: { b: 1 }\ntargets:\n  web1: local\n',
      3,
      /`env.A` of defaults must be a string/,
    ],
  ])('names the file and line of a bad env (%#)', (text, line, pattern) => {
    const error = failure(text);
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.message.startsWith(`fleet.yaml:${line}: `)).toBe(true);
    expect(error.message).toMatch(pattern);
  });
});

describe('a target mapping without `uri`', () => {
  it('is told as such, not read as a target named by its key', () => {
    const error = failure('targets:\n  web1:\n    weight: 2\n');
    expect(error.message).toMatch(/^fleet\.yaml:3: target `web1` has URI `undefined`/);
  });
});
