import { parallel } from './shell/parallel.js';
import { createShell, type Shell } from './shell/shell.js';
import { createDockerTarget, type DockerTargetOptions } from './targets/docker/index.js';
import { createKubernetesTarget, type KubernetesTargetOptions } from './targets/kubernetes/index.js';
import { localTarget } from './targets/local.js';
import { createSshTarget, type SshTargetOptions } from './targets/ssh/index.js';

/** The root shell: local commands, plus the other targets and the parallel helpers. */
export interface RootShell extends Shell {
  /** A shell on an SSH host: `$.ssh('deploy@web1:2222')` or `$.ssh({ host, user, … })`. */
  ssh(spec: string | SshTargetOptions): Shell;
  /** A shell in a Docker container: `$.docker('app')` or `$.docker({ container, user, … })`. */
  docker(spec: string | DockerTargetOptions): Shell;
  /** A shell in a Kubernetes pod: `$.k8s('namespace/pod:container')` or `$.k8s({ pod, … })`. */
  k8s(spec: string | KubernetesTargetOptions): Shell;
  readonly parallel: typeof parallel;
}

/**
 * Runs a command on this machine; interpolated values are quoted for the shell.
 *
 * @example
 * const files = await $`ls ${directory}`.lines();
 * await $.ssh('deploy@web1')`systemctl restart ${service}`;
 */
export const $: RootShell = Object.assign(createShell(localTarget), {
  ssh: (spec: string | SshTargetOptions) => createShell(createSshTarget(spec)),
  docker: (spec: string | DockerTargetOptions) => createShell(createDockerTarget(spec)),
  k8s: (spec: string | KubernetesTargetOptions) => createShell(createKubernetesTarget(spec)),
  parallel,
});
