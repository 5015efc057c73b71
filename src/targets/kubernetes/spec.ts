import { parseDuration, type Duration } from '../../internal/duration.js';

/** How long opening an exec may take when the spec does not say. */
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

/** A pod and container as the user named them; what the kubeconfig supplies is still missing. */
export interface KubernetesSpec {
  readonly pod: string;
  readonly namespace: string | undefined;
  readonly container: string | undefined;
  readonly context: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly connectTimeoutMs: number;
  /** Run commands through session agents (default true). */
  readonly session: boolean;
}

const KNOWN_OPTIONS = new Set([
  'pod',
  'namespace',
  'container',
  'context',
  'kubeconfig',
  'connectTimeout',
  'session',
]);

/** Pod and namespace names: DNS-1123 subdomains. */
const SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Container names: DNS-1123 labels. */
const LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function describe(value: unknown): string {
  return `\`${String(value)}\` (${typeof value})`;
}

/** A bad name or form in the spec `shown`: a TypeError, as every target kind's bad options are. */
function invalid(shown: string, expected: string): TypeError {
  return new TypeError(`Expected ${expected} in the Kubernetes target \`${shown}\``);
}

function validate(spec: KubernetesSpec, shown: string): KubernetesSpec {
  if (!SUBDOMAIN.test(spec.pod))
    throw invalid(shown, `\`pod\` to be a DNS-1123 name, got ${describe(spec.pod)}`);
  if (spec.namespace !== undefined && !SUBDOMAIN.test(spec.namespace))
    throw invalid(shown, `\`namespace\` to be a DNS-1123 name, got ${describe(spec.namespace)}`);
  if (spec.container !== undefined && !LABEL.test(spec.container))
    throw invalid(shown, `\`container\` to be a DNS-1123 label, got ${describe(spec.container)}`);
  if (spec.context === '') throw invalid(shown, '`context` to be a non-empty string, got `` (string)');
  if (spec.kubeconfig === '') throw invalid(shown, '`kubeconfig` to be a non-empty string, got `` (string)');
  return spec;
}

/** `k8s://namespace/pod/container?context=name`; namespace and container may be left out (`k8s://pod`). */
function parseUri(uri: string): KubernetesSpec {
  const [path = '', query = ''] = uri.slice('k8s://'.length).split('?', 2);
  const parts = path.split('/');
  if (parts.some((part) => part === '') || parts.length > 3)
    throw invalid(uri, 'k8s://pod, k8s://namespace/pod or k8s://namespace/pod/container');
  const params = new URLSearchParams(query);
  for (const key of params.keys())
    if (key !== 'context') throw invalid(uri, `no query parameter but \`context\`, got \`${key}\``);
  const [first = '', second, third] = parts;
  return {
    pod: second ?? first,
    namespace: second === undefined ? undefined : first,
    container: third,
    context: params.get('context') ?? undefined,
    kubeconfig: undefined,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    session: true,
  };
}

/** `namespace/pod:container`; namespace and container may be left out (`pod`, `pod:container`). */
function parseShort(spec: string): KubernetesSpec {
  const match = /^(?:([^/:]+)\/)?([^/:]+)(?::([^/:]+))?$/.exec(spec);
  if (!match) throw invalid(spec, 'pod, pod:container, namespace/pod or namespace/pod:container');
  return {
    pod: match[2] ?? '',
    namespace: match[1],
    container: match[3],
    context: undefined,
    kubeconfig: undefined,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    session: true,
  };
}

/** Which pod and container, and how to reach the cluster. */
export interface KubernetesTargetOptions {
  /** The pod's name. */
  readonly pod: string;
  /** The pod's namespace. Default: the context's namespace, else `default`. */
  readonly namespace?: string | undefined;
  /** The container. Default: the pod's default container (the API server picks it). */
  readonly container?: string | undefined;
  /** The kubeconfig context. Default: its `current-context`. */
  readonly context?: string | undefined;
  /** A kubeconfig file. Default: `$KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account. */
  readonly kubeconfig?: string | undefined;
  /** Opening each exec (TCP, TLS, credentials, the WebSocket upgrade). Default: `'15s'`. */
  readonly connectTimeout?: Duration | undefined;
  /**
   * Run commands through session agents: long-lived `sh` execs that each run one command at a time, which
   * saves a WebSocket and an exec per command. Default: true. Commands with stdin get an exec of their own.
   */
  readonly session?: boolean | undefined;
}

/**
 * Reads a Kubernetes target spec in any of its three forms and checks the names.
 *
 * @example
 * parseKubernetesSpec('web/api-7f9c:app') // { namespace: 'web', pod: 'api-7f9c', container: 'app', … }
 * parseKubernetesSpec('k8s://web/api-7f9c/app?context=prod')
 */
export function parseKubernetesSpec(spec: string | KubernetesTargetOptions): KubernetesSpec {
  if (typeof spec === 'string') {
    return validate(spec.startsWith('k8s://') ? parseUri(spec) : parseShort(spec), spec);
  }
  if (typeof spec !== 'object' || spec === null || typeof spec.pod !== 'string')
    throw new TypeError(`Expected a Kubernetes target spec string or { pod, … }, got \`${String(spec)}\``);
  for (const key of Object.keys(spec))
    if (!KNOWN_OPTIONS.has(key))
      throw new TypeError(`Unknown Kubernetes option \`${key}\`; known: ${[...KNOWN_OPTIONS].join(', ')}`);
  for (const key of ['namespace', 'container', 'context', 'kubeconfig'] as const) {
    const value = spec[key];
    if (value !== undefined && typeof value !== 'string')
      throw new TypeError(`Expected \`${key}\` to be a string, got ${describe(value)}`);
  }
  if (spec.session !== undefined && typeof spec.session !== 'boolean')
    throw new TypeError(`Expected \`session\` to be a boolean, got ${describe(spec.session)}`);
  const shown = `${spec.namespace ?? ''}${spec.namespace === undefined ? '' : '/'}${spec.pod}`;
  return validate(
    {
      pod: spec.pod,
      namespace: spec.namespace,
      container: spec.container,
      context: spec.context,
      kubeconfig: spec.kubeconfig,
      connectTimeoutMs:
        spec.connectTimeout === undefined
          ? DEFAULT_CONNECT_TIMEOUT_MS
          : parseDuration(spec.connectTimeout, 'connectTimeout'),
      session: spec.session ?? true,
    },
    shown,
  );
}

/**
 * The id a target carries in results and errors: `k8s://namespace/pod/container`, or without the
 * container when the pod's default container is used.
 *
 * @example
 * formatKubernetesId('web', 'api-7f9c', 'app') // 'k8s://web/api-7f9c/app'
 */
export function formatKubernetesId(namespace: string, pod: string, container: string | undefined): string {
  return `k8s://${namespace}/${pod}${container === undefined ? '' : `/${container}`}`;
}
