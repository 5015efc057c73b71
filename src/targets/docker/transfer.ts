import type { Readable } from 'node:stream';
import type { ArchiveHost } from '../../transfer/archive-host.js';
import type { DockerTarget } from './target.js';

/**
 * A container's files through the Engine API's archive endpoints (`PUT`/`GET /containers/{id}/archive`):
 * no `tar` is needed inside the container.
 *
 * @example
 * const host = createDockerArchiveHost(target);
 */
export function createDockerArchiveHost(target: DockerTarget): ArchiveHost {
  return {
    target,
    // The daemon extracts: a cut upload leaves its staged copy for the next upload's sweep.
    async putArchive(directory, _staging, archive, signal) {
      const container = await target.container();
      const onAbort = (): void => void archive.destroy(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await container.putArchive(archive, { path: directory, abortSignal: signal });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    async getArchive(path, signal) {
      const container = await target.container();
      return (await container.getArchive({ path, abortSignal: signal })) as unknown as Readable;
    },
  };
}
