import type { Readable } from 'node:stream';
import type { Target } from '../targets/target.js';

/**
 * Runs a helper command (a hash, a rename, a listing) on a target and returns its stdout; a non-zero exit
 * throws an Error whose message is the command's stderr and whose `exitCode` is set.
 *
 * @example
 * const listing = await runRemoteScript(target, `sha256sum -- ${quote(path)}`);
 */
export async function runRemoteScript(
  target: Target,
  command: string,
  stdin?: Buffer | Readable,
): Promise<string> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const running = target.spawn({
    command,
    cwd: undefined,
    env: {},
    stdin,
    onStdout: (chunk) => stdout.push(chunk),
    onStderr: (chunk) => stderr.push(chunk),
  });
  const { exitCode, signal } = await running.exited;
  if (exitCode !== 0) {
    const message = Buffer.concat(stderr).toString('utf8').trim() || `exit code ${exitCode ?? signal}`;
    throw Object.assign(new Error(message), { exitCode });
  }
  return Buffer.concat(stdout).toString('utf8');
}

/** The hash from one line of `sha256sum` output. */
export function parseSha256(output: string): string {
  const hash = output.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`Unexpected sha256sum output: ${output.slice(0, 200)}`);
  return hash;
}
