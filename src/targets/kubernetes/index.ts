import type { TargetKindRow } from '../registry.js';
import { kubernetesAbout } from './about.js';
import type { Target } from '../target.js';
import { resolveKubeConfig } from './kubeconfig.js';
import {
  formatKubernetesId,
  parseKubernetesSpec,
  type KubernetesSpec,
  type KubernetesTargetOptions,
} from './spec.js';
import { KubernetesTarget } from './target.js';

export type { KubernetesTargetOptions } from './spec.js';

/**
 * A target that runs commands in a Kubernetes pod through the API server's exec WebSocket. Accepts
 * `'namespace/pod:container'` (namespace and container optional), `k8s://namespace/pod/container` (optional
 * `?context=name`) or an options object. The kubeconfig is read here, once: a bad spec or option throws a
 * TypeError naming it, a missing kubeconfig or an unknown context a `CONFIG_INVALID` FanoutError.
 *
 * @example
 * const api = createKubernetesTarget({ namespace: 'web', pod: 'api-7f9c', container: 'app', context: 'prod' });
 * await createShell(api)`nginx -s reload`;
 * await $.k8s('web/api-7f9c:app')`cat /etc/os-release`;
 */
export function createKubernetesTarget(spec: string | KubernetesTargetOptions): Target {
  return createFromSpec(parseKubernetesSpec(spec));
}

/** Reads the kubeconfig once; a missing one or an unknown context throws CONFIG_INVALID naming the target. */
function createFromSpec(parsed: KubernetesSpec): Target {
  const shown = formatKubernetesId(parsed.namespace ?? '<context namespace>', parsed.pod, parsed.container);
  const kube = resolveKubeConfig({ kubeconfig: parsed.kubeconfig, context: parsed.context }, shown);
  const namespace = parsed.namespace ?? kube.namespace;
  return new KubernetesTarget(formatKubernetesId(namespace, parsed.pod, parsed.container), {
    config: kube.config,
    namespace,
    pod: parsed.pod,
    container: parsed.container,
    connectTimeoutMs: parsed.connectTimeoutMs,
    session: parsed.session,
  });
}

/** `k8s://…` or `namespace/pod:container` → the options it sets. */
function parseSpec(spec: string): KubernetesTargetOptions {
  const { pod, namespace, container, context } = parseKubernetesSpec(spec);
  return Object.fromEntries(
    Object.entries({ pod, namespace, container, context }).filter(([, value]) => value !== undefined),
  ) as unknown as KubernetesTargetOptions;
}

/** The registry row of Kubernetes pods. */
export const kubernetesKind = {
  ...kubernetesAbout,
  optionKeys: ['namespace', 'container', 'context', 'kubeconfig', 'connectTimeout', 'session'],
  parseSpec,
  normalizeOptions: (options: KubernetesTargetOptions) => parseKubernetesSpec(options),
  create: createFromSpec,
} satisfies TargetKindRow<KubernetesTargetOptions, KubernetesSpec>;
