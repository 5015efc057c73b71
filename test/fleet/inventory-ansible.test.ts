import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandAnsibleRange, parseAnsibleIni } from '../../src/fleet/inventory-ansible.js';
import { parseAnsibleYaml } from '../../src/fleet/inventory-ansible-yaml.js';
import { detectInventoryFormat } from '../../src/fleet/inventory-format.js';
import { parseSshConfigInventory } from '../../src/fleet/inventory-ssh-config.js';
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

/** The same inventory as INI, in Ansible's YAML form. */
const YAML = `all:
  children:
    prod:
      vars:
        ansible_user: ops
        ansible_port: 22
        env: prod
      children:
        web:
          hosts:
            web[01:03]:
              ansible_user: deploy
            web04:
              ansible_host: 10.0.0.4
              ansible_port: 2222
              color: blue
          vars:
            ansible_port: 2200
        db:
          hosts:
            db-[a:b]:
    ctl:
      hosts:
        localhost:
          ansible_connection: local
`;

const fails = (read: () => unknown, file: string, line: number, named: string) => {
  expect(read).toThrow(
    expect.objectContaining({
      code: 'INVENTORY_INVALID',
      message: expect.stringContaining(`${file}:${line}: `),
    }),
  );
  expect(read).toThrow(named);
};

describe('Ansible inventories', () => {
  it.each([
    ['web[01:03]', ['web01', 'web02', 'web03']],
    ['n[1:7:3]', ['n1', 'n4', 'n7']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['10.0.0.[8:9]', ['10.0.0.8', '10.0.0.9']],
    ['r[1:2]-n[a:b]', ['r1-na', 'r1-nb', 'r2-na', 'r2-nb']],
    ['plain', ['plain']],
  ])('expands %s', (pattern, expected) => {
    expect(expandAnsibleRange(pattern)).toEqual(expected);
  });

  it.each([
    ['INI', () => parseAnsibleIni(INI, 'hosts.ini'), ['hosts.ini:4: color', 'hosts.ini:16: env'], 4],
    ['YAML', () => parseAnsibleYaml(YAML, 'hosts.yml'), ['hosts.yml:7: env', 'hosts.yml:16: color'], 13],
  ])(
    'reads %s groups, children, ranges and connection variables, host over child group over parent',
    (_form, read, ignored, web04Line) => {
      const inventory = read();
      const file = inventory.file;
      const uri = (name: string) => inventory.targets.get(name)?.uri;
      expect(uri('web01')).toBe('ssh://deploy@web01:2200');
      expect(uri('web04')).toBe('ssh://ops@10.0.0.4:2222');
      expect(uri('db-a')).toBe('ssh://ops@db-a:22');
      expect(uri('localhost')).toBe('local');
      expect(inventory.targets.get('web04')?.source).toBe(`${file}:${web04Line}`);
      expect(inventory.groups.get('prod')).toEqual(['web01', 'web02', 'web03', 'web04', 'db-a', 'db-b']);
      expect(inventory.ignored).toEqual(ignored);
      expect(selectTargets(inventory, ['@prod', '!@web']).map((spec) => spec.name)).toEqual(['db-a', 'db-b']);
    },
  );

  it('reads host:port, the key file, the old ansible_ssh_* names and docker connections', () => {
    const inventory = parseAnsibleIni(
      [
        '[all:vars]',
        'ansible_ssh_private_key_file=~/.ssh/deploy',
        '[web]',
        'web1:2201',
        'web2 ansible_ssh_host=10.0.0.2 ansible_ssh_user=root ansible_ssh_port=2202',
        'app ansible_connection=docker ansible_host=app-1',
      ].join('\n'),
      'hosts',
    );
    expect(inventory.targets.get('web1')).toMatchObject({
      uri: 'ssh://web1:2201',
      options: { identityFile: '~/.ssh/deploy' },
    });
    expect(inventory.targets.get('web2')?.uri).toBe('ssh://root@10.0.0.2:2202');
    expect(inventory.targets.get('app')).toMatchObject({ uri: 'docker://app-1', kind: 'docker' });
  });

  it.each([
    ['[web:meta]\nweb1\n', 1, 'unknown section kind'],
    ['[web]\nweb[3:1]\n', 2, 'bad range'],
    ['[web]\nweb1 ansible_user\n', 2, 'key=value'],
    ['[all:children]\nnothere\n', 2, 'unknown child group'],
    ['[a:children]\nb\n[b:children]\na\n', 4, 'include each other'],
    ['[web]\nweb1 ansible_port=ssh\n', 2, 'ansible_port'],
    ['[web]\nweb1\n[web:vars]\nansible_connection=winrm\n', 4, 'winrm'],
    ['[web server]\nweb1\n', 1, 'group name'],
  ])('INI %j fails at line %i naming %s', (text, line, named) => {
    fails(() => parseAnsibleIni(text, 'hosts.ini'), 'hosts.ini', line, named);
  });

  it.each([
    ['all:\n  hosts:\n    web1:\n  groups:\n    - web\n', 4, 'unknown key `groups`'],
    ['all:\n  hosts:\n    - web1\n', 3, '`hosts` of `all` must be a mapping'],
    ['all:\n  children:\n    web:\n      hosts:\n        web[x]:\n', 5, 'bad range'],
    ['all:\n  hosts:\n    web1:\n      ansible_port: [1]\n', 4, 'must be a number'],
    ['all:\n  hosts:\n    web1: {\n', 4, 'Flow map'],
    ['- web1\n', 1, 'mapping of groups'],
  ])('YAML %j fails at line %i naming %s', (text, line, named) => {
    fails(() => parseAnsibleYaml(text, 'hosts.yml'), 'hosts.yml', line, named);
  });
});

describe('ssh_config inventories', () => {
  it('makes a target of each Host alias without wildcards, connected through the same file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-ssh-config-'));
    writeFileSync(join(dir, 'extra'), 'Host extra1\n  HostName 10.0.0.9\n');
    const file = join(dir, 'config');
    const inventory = parseSshConfigInventory(
      [
        'Host *',
        '  ServerAliveInterval 30',
        '',
        'Host web1 web2 !web3',
        '  User deploy',
        'Include extra',
        'Host db?',
      ].join('\n'),
      file,
    );
    expect([...inventory.targets.keys()]).toEqual(['web1', 'web2', 'extra1']);
    expect(inventory.targets.get('web2')).toMatchObject({
      uri: 'ssh://web2',
      options: { configFile: file },
      source: `${file}:4`,
    });
    expect(inventory.targets.get('extra1')?.source).toBe(`${join(dir, 'extra')}:1`);
    expect(inventory.groups.get('all')).toEqual(['web1', 'web2', 'extra1']);
  });

  it.each([
    ['Host web1\n  HostName\n', 2, 'Keyword value'],
    ['Host\n', 1, 'Keyword value'],
    ['Host web/1\n', 1, 'Host alias'],
  ])('%j fails at line %i naming %s', (text, line, named) => {
    fails(() => parseSshConfigInventory(text, 'config'), 'config', line, named);
  });
});

describe('inventory formats', () => {
  it.each([
    ['hosts.ini', 'web1\n', 'ansible-ini'],
    ['hosts', '# comment\n[web]\nweb1\n', 'ansible-ini'],
    ['config', 'ServerAliveInterval 30\nHost web1\n  User x\n', 'ssh-config'],
    ['hosts.yml', YAML, 'ansible-yaml'],
    ['inventory', YAML, 'ansible-yaml'],
    ['fanout.yaml', 'targets:\n  web1: ssh://web1\ngroups:\n  web: [web1]\n', 'fanout'],
    ['fanout.yaml', 'targets:\n  web1: { uri: local }\n', 'fanout'],
  ])('%s holding %j is read as %s', (file, text, format) => {
    expect(detectInventoryFormat(text, file)).toBe(format);
  });

  it('loadInventory reads each format with its reader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fanout-ansible-'));
    writeFileSync(join(dir, 'hosts'), INI);
    writeFileSync(join(dir, 'hosts.yml'), YAML);
    writeFileSync(join(dir, 'config'), 'Host web1\n  Port 2201\n');
    expect(loadInventory(join(dir, 'hosts')).targets.get('web02')?.uri).toBe('ssh://deploy@web02:2200');
    expect(loadInventory(join(dir, 'hosts.yml')).targets.get('web02')?.uri).toBe('ssh://deploy@web02:2200');
    expect(loadInventory(join(dir, 'config')).targets.get('web1')?.uri).toBe('ssh://web1');
  });
});
