import type { TestProject } from 'vitest/node';
import { ensureDockerDaemon, ensureTestImage, removeContainers, startContainers } from './docker.js';
import './docker-context.js';

/**
 * Global set-up: a Docker daemon (started when none answers), the busybox test image and 4 running
 * containers, provided as `inject('docker')`; afterwards the containers are removed, and the daemon is
 * stopped if this set-up started it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const daemon = await ensureDockerDaemon();
  const image = await ensureTestImage(daemon.socketPath);
  const containers = await startContainers(4, `fanout-test-${process.pid}`, daemon.socketPath);
  project.provide('docker', {
    image,
    containers,
    socketPath: daemon.socketPath,
    startedDaemon: daemon.started,
  });
  return async () => {
    await removeContainers(containers, daemon.socketPath);
    await daemon.stop();
  };
}
