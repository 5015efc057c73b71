import type { TargetKindRow } from '../registry.js';
import { dockerAbout } from './about.js';
import type { Target } from '../target.js';
import { normalizeDockerOptions, type DockerTargetOptions, type NormalizedDockerOptions } from './options.js';
import { DockerTarget } from './target.js';

export type { DockerTargetOptions } from './options.js';

/**
 * A target that runs commands in a Docker container through the Engine API (dockerode): `'app'`,
 * `'docker://app'`, `{ container, user, workdir, env, socketPath }`, or `{ image }` for a throwaway
 * container that `dispose()` removes. The options are checked here; the daemon is first contacted by a command.
 *
 * @example
 * const app = createShell(createDockerTarget({ container: 'app', user: 'www-data' }));
 * await app`php artisan migrate`;
 *
 * const scratch = createDockerTarget({ image: 'alpine:3' });
 * await createShell(scratch)`apk --version`;
 * await scratch.dispose(); // removes the container
 */
export function createDockerTarget(spec: string | DockerTargetOptions): Target {
  return new DockerTarget(normalizeDockerOptions(spec));
}

/** The registry row of Docker containers. */
export const dockerKind = {
  ...dockerAbout,
  optionKeys: ['user', 'workdir', 'socketPath', 'session'],
  parseSpec: (spec: string): DockerTargetOptions => ({
    container: spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec,
  }),
  normalizeOptions: normalizeDockerOptions,
  create: (options: NormalizedDockerOptions): Target => new DockerTarget(options),
} satisfies TargetKindRow<DockerTargetOptions, NormalizedDockerOptions>;
