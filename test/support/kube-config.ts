import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One context of a test kubeconfig, with its own cluster and user. */
export interface TestContext {
  readonly name: string;
  readonly server: string;
  readonly namespace?: string;
  readonly token?: string;
  /** PEM of the CA that signed the server's certificate. */
  readonly ca?: string;
}

/** A temporary directory for kubeconfig files, removed by `remove()`. */
export interface KubeconfigDir {
  readonly dir: string;
  /** Writes a kubeconfig (JSON, which is YAML) and returns its path. */
  write(name: string, contexts: readonly TestContext[], current?: string): string;
  remove(): void;
}

/**
 * Makes a directory for test kubeconfigs.
 *
 * @example
 * const dir = createKubeconfigDir();
 * const path = dir.write('config', [{ name: 'peer', server: peer.url }], 'peer');
 */
export function createKubeconfigDir(): KubeconfigDir {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-kubeconfig-'));
  return {
    dir,
    write(name, contexts, current) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': current ?? '',
        clusters: contexts.map((each) => ({
          name: `${each.name}-cluster`,
          cluster: {
            server: each.server,
            ...(each.ca === undefined
              ? {}
              : { 'certificate-authority-data': Buffer.from(each.ca).toString('base64') }),
          },
        })),
        users: contexts.map((each) => ({
          name: `${each.name}-user`,
          user: each.token ? { token: each.token } : {},
        })),
        contexts: contexts.map((each) => ({
          name: each.name,
          context: {
            cluster: `${each.name}-cluster`,
            user: `${each.name}-user`,
            ...(each.namespace === undefined ? {} : { namespace: each.namespace }),
          },
        })),
      };
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(config, null, 2));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
