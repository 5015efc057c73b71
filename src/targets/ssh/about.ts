/** How help and messages name SSH hosts: the part of their registry row (index.ts) that loads nothing. */
export const sshAbout = {
  scheme: 'ssh' as const,
  uriForm: 'ssh://user@host:port',
  summary: 'an SSH host',
};
