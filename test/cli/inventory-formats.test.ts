import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { localFleet, runCli } from '../support/cli.js';

/** A home directory whose ~/.ssh/known_hosts knows the fixtures, as an Ansible user's would. */
function home(): { dir: string; env: Record<string, string> } {
  const ssh = inject('ssh');
  const { dir } = localFleet(2);
  mkdirSync(join(dir, '.ssh'));
  writeFileSync(
    join(dir, '.ssh', 'known_hosts'),
    ssh.hosts.map((host) => `${host.knownHostsLine}\n`).join(''),
  );
  return { dir, env: { HOME: dir, SSH_AUTH_SOCK: '' } };
}

/** The address each target's sshd answered on (`$SSH_CONNECTION`'s third field), by target. */
const COMMAND = 'set -- $SSH_CONNECTION; echo "$3 $(id -un)"';

describe('Ansible and ssh_config inventories over the sshd fixtures', { timeout: 120_000 }, () => {
  it('runs on an Ansible INI group: ranges, children, group vars, host vars and an exclusion', async () => {
    const ssh = inject('ssh');
    const { dir, env } = home();
    const [first, second, third] = ssh.hosts;
    writeFileSync(
      join(dir, 'hosts.ini'),
      [
        '[web]',
        `127.0.0.[2:4]`,
        '[db]',
        `db1 ansible_host=${third!.host} color=blue`,
        '[prod:children]',
        'web',
        'db',
        '[prod:vars]',
        `ansible_user=${ssh.user}`,
        '[all:vars]',
        `ansible_port=${first!.port}`,
        `ansible_ssh_private_key_file=${ssh.identityFile}`,
        'ansible_python_interpreter=/usr/bin/python3',
        '',
      ].join('\n'),
    );
    const run = await runCli(
      ['run', '-i', 'hosts.ini', '@prod', '!127.0.0.4', '--verbose', '--progress', 'none', '--', COMMAND],
      { cwd: dir, env },
    );
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        `${first!.host}: ${first!.host} ${ssh.user}`,
        `${second!.host}: ${second!.host} ${ssh.user}`,
        `db1: ${third!.host} ${ssh.user}`,
      ].sort(),
    );
    expect(run.stderr).toContain('hosts.ini:4: color');
    expect(run.stderr).toContain('hosts.ini:13: ansible_python_interpreter');
    expect(run.code).toBe(0);
  });

  it('runs on an Ansible YAML group, and lists the ignored variables only with --verbose', async () => {
    const ssh = inject('ssh');
    const { dir, env } = home();
    const [first, second] = ssh.hosts;
    writeFileSync(
      join(dir, 'hosts.yml'),
      [
        'all:',
        '  vars:',
        `    ansible_ssh_private_key_file: ${ssh.identityFile}`,
        `    ansible_user: ${ssh.user}`,
        '  children:',
        '    web:',
        '      hosts:',
        `        web1: { ansible_host: ${first!.host}, ansible_port: ${first!.port} }`,
        `        web2: { ansible_host: ${second!.host}, ansible_port: ${second!.port}, rack: 7 }`,
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', '-i', 'hosts.yml', '@web', '--progress', 'none', '--', COMMAND], {
      cwd: dir,
      env,
    });
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `web1: ${first!.host} ${ssh.user}`,
      `web2: ${second!.host} ${ssh.user}`,
    ]);
    expect(run.stderr).not.toContain('rack');
    expect(run.code).toBe(0);
    const listed = await runCli(['targets', '-i', 'hosts.yml', 'web2', '--verbose'], { cwd: dir, env });
    expect(listed.stdout).toContain(`ssh://${ssh.user}@${second!.host}:${second!.port}`);
    expect(listed.stdout).toContain('hosts.yml:9');
    expect(listed.stderr).toContain('hosts.yml:9: rack');
  });

  it('runs on the Host aliases of an ssh_config file, connecting as that file says', async () => {
    const ssh = inject('ssh');
    const { dir } = localFleet(2);
    const run = await runCli(
      ['run', '-i', ssh.configFile, 'fanout-[1-2]', '--progress', 'none', '--', COMMAND],
      { cwd: dir, env: { HOME: dir, SSH_AUTH_SOCK: '' } },
    );
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `fanout-1: ${ssh.hosts[0]!.host} ${ssh.user}`,
      `fanout-2: ${ssh.hosts[1]!.host} ${ssh.user}`,
    ]);
    expect(run.code).toBe(0);
  });

  it.each([
    ['hosts.ini', '[web]\nweb1\n[web:children]\nnothere\n', 'hosts.ini:4: unknown child group `nothere`'],
    ['hosts.yml', 'all:\n  hosts:\n    web1:\n  group:\n', 'hosts.yml:4: unknown key `group`'],
    ['config', 'Host web1\n  HostName\n', 'config:2: expected `Keyword value`'],
  ])('refuses a wrong %s naming the file and line, running nothing', async (file, text, message) => {
    const { dir } = localFleet(2);
    writeFileSync(join(dir, file), text);
    const run = await runCli(['run', '-i', file, '@all', '--', 'echo ran'], { cwd: dir });
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(255);
  });
});
