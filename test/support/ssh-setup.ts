import type { TestProject } from 'vitest/node';
import { startSshFixtures } from './sshd.js';
import './sshd-context.js';

/**
 * Global set-up: starts the 8 sshd fixtures once for the whole suite, provides their description as
 * `inject('ssh')`, and stops them afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fixtures = await startSshFixtures(8);
  project.provide('ssh', fixtures.info);
  return () => fixtures.stop();
}
