import type { Target } from '../target.js';

/** Which pod and container, and how to reach the cluster. */
export interface KubernetesTargetOptions {
  readonly pod: string;
}

/** A target that runs commands in a Kubernetes pod. */
export function createKubernetesTarget(spec: string | KubernetesTargetOptions): Target {
  throw new Error(`The Kubernetes target is not built yet: ${JSON.stringify(spec)}`);
}
