import type { DockerFixtureInfo } from './docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Docker fixtures started by docker-setup.ts. */
    docker: DockerFixtureInfo;
  }
}
