import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandAnsibleRange, parseAnsibleIni } from '../../src/fleet/inventory-ansible.js';
import { loadInventory } from '../../src/fleet/inventory.js';
import { selectTargets } from '../../src/fleet/selection.js';

const INI = `# web tier
[web]
web[01:03] ansible_user=deploy
web04 ansible_host=10.0.0.4 ansible_port=2222 color=blue

[db]
db-[a:b]

[prod:children]
web
db

[prod:vars]
ansible_user=ops
ansible_port=22
env=prod

[web:vars]
ansible_port=2200

[ctl]
localhost ansible_connection=local
`;

describe('Ansible INI inventories', () => {
  it.each([
    ['web[01:03]', ['web01', 'web02', 'web03']],
    ['n[1:7:3]', ['n1', 'n4', 'n7']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['plain', ['plain']],
  ])('expands %s', (pattern, expected) => {
    expect(expandAnsibleRange(pattern)).toEqual(expected);
  });

  it('reads groups, children, ranges and connection variables, host over child group over parent', () => {
    const inventory = parseAnsibleIni(INI, 'hosts.ini');
    const uri = (name: string) => inventory.targets.get(name)?.uri;
    expect(uri('web01')).toBe('ssh://deploy@web01:2200');
    expect(uri('web04')).toBe('ssh://ops@10.0.0.4:2222');
    expect(uri('db-a')).toBe('ssh://ops@db-a:22');
    expect(uri('localhost')).toBe('local');
    expect(inventory.targets.get('web04')?.source).toBe('hosts.ini:4');
    expect(inventory.groups.get('prod')).toEqual(['web01', 'web02', 'web03', 'web04', 'db-a', 'db-b']);
    expect(inventory.ignored).toEqual(['hosts.ini:4: color', 'hosts.ini:15: env']);
    expect(selectTargets(inventory, ['@prod', '!@web']).map((spec) => spec.name)).toEqual(['db-a', 'db-b']);
  });

  it.each([
    ['[web:hosts]\nweb1\n', 1, 'unknown section kind'],
    ['[web]\nweb[3:1]\n', 2, 'bad range'],
    ['[web]\nweb1 ansible_user\n', 2, 'key=value'],
    ['[all:children]\nnothere\n', 2, 'unknown child group'],
    ['[a:children]\nb\n[b:children]\na\n', 2, 'include each other'],
    ['[web]\nweb1 ansible_port=ssh\n', 2, 'ansible_port'],
  ])('%j fails at line %i naming %s', (text, line, named) => {
    expect(() => parseAnsibleIni(text, 'hosts.ini')).toThrow(
      expect.objectContaining({
        code: 'INVENTORY_INVALID',
        message: expect.stringContaining(`hosts.ini:${line}: `),
      }),
    );
    expect(() => parseAnsibleIni(text, 'hosts.ini')).toThrow(named);
  });

  it('is what loadInventory reads for a .ini file or a file starting with a [section]', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-ansible-'));
    const file = join(dir, 'hosts');
    writeFileSync(file, INI);
    expect(loadInventory(file).targets.get('web02')?.uri).toBe('ssh://deploy@web02:2200');
  });
});
