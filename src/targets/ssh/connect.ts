import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { loadSsh2 } from './ssh2.js';
import { createAuthPlan } from './auth.js';
import { SshFailure } from './failure.js';
import {
  addKnownHost,
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
} from './known-hosts.js';
import type { SshSettings } from './settings.js';
import { setLongTimeout } from '../../internal/timer.js';

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Host key algorithms with those whose keys the files already hold first, as OpenSSH orders them. */
function orderHostKeyAlgorithms(known: readonly string[]): string[] {
  const algorithmsOf = (type: string) =>
    type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
  const preferred = known.flatMap(algorithmsOf).filter((name) => HOST_KEY_ALGORITHMS.includes(name));
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

/** Decides on the server's host key before any authentication; returns the failure, if any. */
function verifyHostKey(settings: SshSettings, key: Buffer): SshFailure | undefined {
  if (settings.hostKeyPolicy === 'insecure') return undefined;
  const name = knownHostsName(settings.hostname, settings.port);
  const verdict = checkHostKey(readKnownHosts(settings.knownHostsFiles), name, key);
  const described = `${keyTypeOf(key)} key ${fingerprint(key)} of ${name}`;
  const files = settings.knownHostsFiles.join(', ');
  switch (verdict.status) {
    case 'known':
      return undefined;
    case 'revoked':
      return new SshFailure('HOST_KEY_MISMATCH', `The ${described} is marked @revoked in ${files}`);
    case 'changed':
      return new SshFailure(
        'HOST_KEY_MISMATCH',
        `The ${described} differs from the one recorded (${verdict.expected.map((entry) => fingerprint(entry.key)).join(', ')}) in ${files}: possible man-in-the-middle attack, or the host was reinstalled`,
      );
    case 'unknown':
      if (settings.hostKeyPolicy === 'accept-new') {
        const file = settings.knownHostsFiles[0]!;
        // As OpenSSH does: say which key was trusted on first use, so that it can be checked.
        if (addKnownHost(file, name, key, { hash: settings.hashKnownHosts }))
          process.stderr.write(
            `fanout: accept-new: added ${name} ${keyTypeOf(key)} ${fingerprint(key)} to ${file}\n`,
          );
        return undefined;
      }
      return new SshFailure(
        'HOST_KEY_UNKNOWN',
        `The ${described} is not in ${files}; check it and add it (ssh-keyscan -p ${settings.port} ${settings.hostname}), or use hostKeyPolicy 'accept-new'`,
      );
  }
}

function classify(
  error: Error & { level?: string; code?: string },
  settings: SshSettings,
  notes: readonly string[],
): SshFailure {
  const where = `${settings.hostname}:${settings.port}`;
  if (error.level === 'client-authentication') {
    const why = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    return new SshFailure('AUTH_FAILED', `Authentication as ${settings.user} on ${where} failed${why}`, {
      cause: error,
    });
  }
  if (
    error.message === 'Connection lost before handshake' ||
    error.code === 'ECONNRESET' ||
    error.code === 'EPIPE'
  ) {
    return new SshFailure('CONNECTION_FAILED', `${where} dropped the connection during the handshake`, {
      cause: error,
      retryable: true,
    });
  }
  const reason = error.code === 'ECONNREFUSED' ? 'connection refused' : error.message;
  return new SshFailure('CONNECTION_FAILED', `Cannot connect to ${where}: ${reason}`, { cause: error });
}

/**
 * Opens and authenticates one SSH connection: TCP with TCP_NODELAY (or `transport`, a forwarded channel
 * of a jump host), the host key checked before authentication, all within `connectTimeoutMs`.
 * Rejects with an SshFailure.
 */
export async function connectClient(
  settings: SshSettings,
  transport?: Duplex,
): Promise<{ client: Client; socket: Duplex }> {
  const plan = await createAuthPlan(settings);
  const entries = readKnownHosts(settings.knownHostsFiles);
  const hostKeyAlgorithms = orderHostKeyAlgorithms(
    knownKeyTypes(entries, knownHostsName(settings.hostname, settings.port)),
  );
  return new Promise((resolve, reject) => {
    const client = new (loadSsh2().Client)();
    const socket = transport ?? net.connect({ host: settings.hostname, port: settings.port });
    if (socket instanceof net.Socket) socket.setNoDelay(true);
    let hostKeyFailure: SshFailure | undefined;
    let settled = false;
    const fail = (failure: SshFailure): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      socket.destroy();
      reject(failure);
    };
    const timer = setLongTimeout(
      () =>
        fail(
          new SshFailure(
            'CONNECT_TIMEOUT',
            `${settings.hostname}:${settings.port} did not complete the connection within ${settings.connectTimeoutMs} ms`,
          ),
        ),
      settings.connectTimeoutMs,
    );
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      timer.clear();
      resolve({ client, socket });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (hostKeyFailure) return fail(hostKeyFailure);
      // ssh2 reports an unusable agent and goes on with the next method.
      if (error.level === 'agent') return void plan.notes.push(`agent ${settings.agent}: ${error.message}`);
      fail(classify(error, settings, plan.notes));
    });
    client.on('close', () => {
      fail(
        hostKeyFailure ??
          new SshFailure('CONNECTION_FAILED', `${settings.hostname}:${settings.port} closed the connection`, {
            retryable: true,
          }),
      );
    });
    client.connect({
      sock: socket,
      username: settings.user,
      authHandler: plan.methods,
      readyTimeout: 2 ** 31 - 1,
      keepaliveInterval: 0,
      algorithms: { serverHostKey: hostKeyAlgorithms as never },
      hostVerifier: (key: Buffer) => {
        try {
          hostKeyFailure = verifyHostKey(settings, key);
        } catch (error) {
          hostKeyFailure = new SshFailure(
            'CONFIG_INVALID',
            `Cannot record the host key: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        return hostKeyFailure === undefined;
      },
    });
  });
}
