import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod } from 'ssh2';
import { loadSsh2 } from './ssh2.js';
import { SshFailure } from './failure.js';
import type { SshSettings } from './settings.js';

/** The methods to try, in OpenSSH's order: agent keys, then private keys, then a password. */
export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  /** What was left out and why (an encrypted key without a passphrase …), for the AUTH_FAILED message. */
  readonly notes: string[];
}

function parseKey(data: Buffer | string, passphrase: string | undefined, name: string, notes: string[]) {
  const parsed = loadSsh2().utils.parseKey(data, passphrase);
  if (!(parsed instanceof Error)) return Array.isArray(parsed) ? parsed[0] : parsed;
  notes.push(
    /encrypted|passphrase/i.test(parsed.message)
      ? `${name} is encrypted and ${passphrase === undefined ? 'no passphrase was given' : 'the passphrase is wrong'}`
      : `${name} cannot be read as a private key: ${parsed.message}`,
  );
  return undefined;
}

/**
 * Loads the keys a connection authenticates with. A named identity file that is missing is a
 * CONFIG_INVALID failure; default ones that are missing were never listed.
 */
export async function createAuthPlan(settings: SshSettings): Promise<AuthPlan> {
  const username = settings.user;
  const methods: AnyAuthMethod[] = [];
  const notes: string[] = [];
  if (settings.agent) methods.push({ type: 'agent', username, agent: settings.agent });
  if (settings.privateKey !== undefined) {
    const key = parseKey(settings.privateKey, settings.passphrase, 'privateKey', notes);
    if (key) methods.push({ type: 'publickey', username, key });
  }
  for (const file of settings.identityFiles) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      if (!settings.identityFilesRequired) continue;
      throw new SshFailure(
        'CONFIG_INVALID',
        `Cannot read identity file ${file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const key = parseKey(data, settings.passphrase, file, notes);
    if (key) methods.push({ type: 'publickey', username, key });
  }
  if (settings.password !== undefined)
    methods.push({ type: 'password', username, password: settings.password });
  return { methods, notes };
}
