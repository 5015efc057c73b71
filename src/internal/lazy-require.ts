import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a CommonJS package on first use. The Docker and Kubernetes clients take up to a second of CPU to
 * load; a run that never touches those targets (every CLI start, every local script) should not pay for it.
 *
 * @example
 * const loadDockerode = lazyRequire<typeof import('dockerode')>('dockerode');
 * const Docker = loadDockerode();
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
