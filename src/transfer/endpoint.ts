import { createDockerArchiveHost } from '../targets/docker/transfer.js';
import { DockerTarget } from '../targets/docker/target.js';
import { localFileSystem } from '../targets/local-transfer.js';
import { LocalTarget } from '../targets/local.js';
import { hasRemoteTar, openSshFileSystem } from '../targets/ssh/transfer.js';
import { SshTarget } from '../targets/ssh/target.js';
import type { Target } from '../targets/target.js';
import { createExecArchiveHost, type ArchiveHost } from './archive-host.js';
import type { TransferFileSystem } from './file-system.js';

/** How a target's files are reached: file by file (local disk, SFTP), or as tar archives (Docker, pods). */
export type Endpoint =
  | { readonly kind: 'file-system'; readonly fs: TransferFileSystem; close(): void }
  | { readonly kind: 'archive'; readonly host: ArchiveHost; close(): void };

/**
 * Opens the file access a transfer to or from `target` uses. An SSH host takes single files over SFTP and
 * an uploaded tree (`tree`) as tar over an exec channel when it has `tar`; downloads stay on SFTP, which
 * reads no faster than the local side writes. Any other target (a pod, one of your own) gets tar over its
 * command channel, whose output the archive reader pauses while the local side catches up.
 *
 * @example
 * const endpoint = await openEndpoint(target, signal, true);
 * try { … } finally { endpoint.close(); }
 */
export async function openEndpoint(target: Target, signal: AbortSignal, tree: boolean): Promise<Endpoint> {
  if (target instanceof LocalTarget) return { kind: 'file-system', fs: localFileSystem, close: () => {} };
  if (target instanceof SshTarget) return openSshEndpoint(target, signal, tree);
  if (target instanceof DockerTarget)
    return { kind: 'archive', host: createDockerArchiveHost(target), close: () => {} };
  return { kind: 'archive', host: createExecArchiveHost(target), close: () => {} };
}

async function openSshEndpoint(target: SshTarget, signal: AbortSignal, tree: boolean): Promise<Endpoint> {
  if (tree && (await hasRemoteTar(target)))
    return { kind: 'archive', host: createExecArchiveHost(target), close: () => {} };
  return { kind: 'file-system', ...(await openSshFileSystem(target, signal)) };
}
