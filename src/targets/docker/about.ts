/** How help and messages name Docker containers: the part of their registry row (index.ts) that loads nothing. */
export const dockerAbout = {
  scheme: 'docker' as const,
  uriForm: 'docker://container',
  summary: 'a Docker container',
};
