/** The inventory formats fanout reads. */
export type InventoryFormat = 'fanout' | 'ansible-ini' | 'ansible-yaml' | 'ssh-config';

/**
 * Which reader an inventory file needs, from its name and its first lines:
 * - `*.ini`, or a file whose first entry is a `[section]`: an Ansible INI inventory;
 * - a file with a `Host` or `Match` line (`Host web1 web2`, no colon): an ssh_config file;
 * - YAML with no top-level `targets:` but some group's `hosts:` or `children:`: an Ansible YAML inventory;
 * - anything else: fanout's own YAML (whose reader names what is wrong).
 *
 * @example
 * detectInventoryFormat('all:\n  hosts:\n    web1:\n', 'hosts.yml') // 'ansible-yaml'
 */
export function detectInventoryFormat(text: string, file: string): InventoryFormat {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !/^\s*[#;]/.test(line))
    .map((line) => line.trim());
  if (/\.ini$/i.test(file) || entries[0]?.startsWith('[')) return 'ansible-ini';
  if (!/\.ya?ml$/i.test(file) && entries.some((line) => /^(Host|Match)(\s*=\s*|\s+)[^:]+$/i.test(line)))
    return 'ssh-config';
  if (!/^targets\s*:/m.test(text) && /^\s+(hosts|children)\s*:/m.test(text)) return 'ansible-yaml';
  return 'fanout';
}
