import { describe, expect, it } from 'vitest';
import type { FanoutError } from '../../src/errors.js';
import { parseInventory } from '../../src/fleet/inventory.js';

function failure(text: string): FanoutError {
  try {
    parseInventory(text, 'fleet.yaml');
  } catch (error) {
    return error as FanoutError;
  }
  throw new Error('expected the inventory to be rejected');
}

describe('parseInventory', () => {
  it('reads URIs, objects with weights, nested groups and per-kind defaults', () => {
    const inventory = parseInventory(
      [
        'defaults:',
        '  ssh: { user: deploy, port: 2222, identityFile: /keys/id, knownHostsFile: /keys/kh, configFile: /keys/cfg }',
        'targets:',
        '  alpha: local',
        '  web1: ssh://10.0.0.1',
        '  web2:',
        '    uri: ssh://ops@10.0.0.2',
        '    weight: 3',
        '    port: 22',
        '  cache: docker://redis',
        'groups:',
        '  web: [web1, web2]',
        "  all-but-cache: ['@web', alpha]",
      ].join('\n'),
      'fleet.yaml',
    );
    expect(inventory.targets.get('alpha')).toMatchObject({
      kind: 'local',
      weight: 1,
      source: 'fleet.yaml:4',
    });
    expect(inventory.targets.get('web2')).toMatchObject({
      kind: 'ssh',
      weight: 3,
      options: { port: 22 },
      defaults: {
        user: 'deploy',
        port: 2222,
        identityFile: '/keys/id',
        knownHostsFile: '/keys/kh',
        configFile: '/keys/cfg',
      },
    });
    expect(inventory.targets.get('cache')?.kind).toBe('docker');
    expect(inventory.groups.get('all-but-cache')).toEqual(['web1', 'web2', 'alpha']);
    expect(inventory.groups.get('all')).toEqual(['alpha', 'web1', 'web2', 'cache']);
  });

  it.each([
    ['targets:\n  a: local\n  b: ftp://x\n', 3, /ftp:\/\/x/],
    ['targets:\n  a: local\n  a: local\n', 3, /unique|duplicate/i],
    ['targets:\n  a:\n    uri: local\n    weight: -1\n', 4, /weight/],
    ['targets:\n  a:\n    uri: ssh://h\n    colour: red\n', 4, /colour/],
    ['targets:\n  a: local\ngroups:\n  g: [a, alhpa]\n', 4, /unknown target `alhpa`/],
    ['targets:\n  a: local\ngroups:\n  g: [a]\n  h: ["@gg"]\n', 5, /did you mean @g/],
    ["targets:\n  a: local\ngroups:\n  g: ['@h']\n  h: ['@g']\n", 5, /include each other/],
    ['targets:\n  a: local\nhosts: []\n', 3, /unknown section `hosts`/],
    ['defaults:\n  ssh: { colour: red }\ntargets:\n  a: local\n', 2, /colour/],
    ['targets:\n  a: local\n b: [\n', 3, /./],
    ['groups: {}\n', 1, /no `targets`/],
  ])('rejects %j at line %d', (text, line, message) => {
    const error = failure(text);
    expect(error.code).toBe('INVENTORY_INVALID');
    expect(error.message).toMatch(new RegExp(`^fleet\\.yaml:${line}: `));
    expect(error.message).toMatch(message);
  });
});
