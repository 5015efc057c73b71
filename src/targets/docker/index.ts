import type { Target } from '../target.js';

/** Which container, and how to run commands in it. */
export interface DockerTargetOptions {
  readonly container: string;
}

/** A target that runs commands in a Docker container. */
export function createDockerTarget(spec: string | DockerTargetOptions): Target {
  throw new Error(`The Docker target is not built yet: ${JSON.stringify(spec)}`);
}
