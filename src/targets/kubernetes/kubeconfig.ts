import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { loadKubernetesClient } from './client.js';
import { FanoutError } from '../../errors.js';

/** Where the in-cluster service account token lives when fanout itself runs in a pod. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Which kubeconfig and context to use. */
export interface KubeConfigChoice {
  /** An explicit kubeconfig file. Default: `$KUBECONFIG` (a path list), then `~/.kube/config`, then in-cluster. */
  readonly kubeconfig: string | undefined;
  /** A context name. Default: the kubeconfig's `current-context`. */
  readonly context: string | undefined;
}

/** A kubeconfig with the chosen context made current, and that context's facts. */
export interface ResolvedKubeConfig {
  readonly config: KubeConfig;
  readonly context: string;
  /** The context's namespace, `default` when it names none. */
  readonly namespace: string;
  /** The API server URL of the context's cluster. */
  readonly server: string;
}

/** What credential a kubeconfig user sends with each request, or undefined for none. */
function credentialOf(user: User | null): string | undefined {
  if (!user) return undefined;
  if (user.token) return 'a token';
  if (user.password || user.username) return 'basic credentials';
  if (user.authProvider) return `a token from the ${String(user.authProvider.name ?? 'auth')} provider`;
  if (user.exec) return 'a token from an exec plugin';
  return undefined;
}

function load(choice: KubeConfigChoice, env: NodeJS.ProcessEnv): { config: KubeConfig; source: string } {
  const config = new (loadKubernetesClient().KubeConfig)();
  if (choice.kubeconfig !== undefined) {
    config.loadFromFile(choice.kubeconfig);
    return { config, source: choice.kubeconfig };
  }
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  if (listed.length > 0) {
    // Like kubectl: files in the list that do not exist are skipped; the first current-context wins.
    const [first, ...rest] = listed.filter((path) => existsSync(path));
    if (first === undefined) throw new Error(`none of the files in $KUBECONFIG exists (${env.KUBECONFIG})`);
    config.loadFromFile(first);
    for (const path of rest) {
      const part = new (loadKubernetesClient().KubeConfig)();
      part.loadFromFile(path);
      config.mergeConfig(part, Boolean(config.getCurrentContext()));
    }
    return { config, source: `$KUBECONFIG (${env.KUBECONFIG})` };
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) {
    config.loadFromFile(home);
    return { config, source: home };
  }
  if (existsSync(SERVICE_ACCOUNT_TOKEN)) {
    config.loadFromCluster();
    return { config, source: 'the in-cluster service account' };
  }
  throw new Error(`no kubeconfig: set KUBECONFIG, create ${home}, or pass \`kubeconfig\``);
}

/**
 * Loads the kubeconfig the way kubectl finds it and selects a context. Throws a `CONFIG_INVALID`
 * FanoutError naming `target` when the file is missing or unreadable or the context does not exist.
 *
 * @example
 * const { config, namespace } = resolveKubeConfig({ kubeconfig: undefined, context: 'prod' }, 'k8s://api');
 */
export function resolveKubeConfig(
  choice: KubeConfigChoice,
  target: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedKubeConfig {
  const fail = (reason: string, cause?: unknown): FanoutError =>
    new FanoutError(`Cannot use kubeconfig for ${target}: ${reason}`, {
      code: 'CONFIG_INVALID',
      target,
      cause,
    });
  let loaded: { config: KubeConfig; source: string };
  try {
    loaded = load(choice, env);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error), error);
  }
  const { config, source } = loaded;
  const name = choice.context ?? config.getCurrentContext();
  if (!name) throw fail(`${source} has no current-context; pass \`context\``);
  const context = config.getContextObject(name);
  if (!context) {
    const known = config.getContexts().map((each) => each.name);
    throw fail(`no context \`${name}\` in ${source} (contexts: ${known.join(', ') || 'none'})`);
  }
  config.setCurrentContext(name);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw fail(`context \`${name}\` names cluster \`${context.cluster}\`, which ${source} lacks`);
  if (!/^https?:\/\//.test(cluster.server))
    throw fail(`cluster \`${cluster.name}\` has server \`${cluster.server}\`; expected an http(s) URL`);
  const credential = credentialOf(config.getCurrentUser());
  if (cluster.server.startsWith('http://') && credential !== undefined) {
    throw fail(
      `cluster \`${cluster.name}\` has a plain http:// server and user \`${config.getCurrentUser()?.name}\` has ${credential}, which would cross the network unencrypted; use an https:// server`,
    );
  }
  return { config, context: name, namespace: context.namespace ?? 'default', server: cluster.server };
}
