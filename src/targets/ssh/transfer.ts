import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SFTPWrapper, Stats } from 'ssh2';
import { quote } from '../../internal/quote.js';
import type { FileStat, TransferFileSystem } from '../../transfer/file-system.js';
import { parseSha256, runRemoteScript } from '../../transfer/remote-script.js';
import type { Connection } from './connection.js';
import { acquireConnection } from './pool.js';
import type { SshTarget } from './target.js';

/** Write requests in flight per file: enough to keep a window full without waiting on each reply. */
const WRITES_IN_FLIGHT = 16;
const CHUNK = 32 * 1024;

/**
 * Runs ssh2 SFTP calls so that each one settles: when the session closes (the connection dropped), every
 * call still waiting fails at once instead of hanging.
 */
class SessionCalls {
  readonly #waiting = new Set<(error: Error) => void>();
  lost: Error | undefined;

  constructor(sftp: SFTPWrapper, where: string) {
    sftp.once('close', () => {
      this.lost = new Error(`SFTP session to ${where} ended (connection lost)`);
      for (const reject of this.#waiting) reject(this.lost);
      this.#waiting.clear();
    });
  }

  call<T>(run: (callback: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      this.#waiting.add(reject);
      run((error, value) => {
        this.#waiting.delete(reject);
        if (error) reject(error);
        else resolve(value);
      });
    });
  }

  /** For calls whose callback carries only an error. */
  done(run: (callback: (error: Error | null | undefined) => void) => void): Promise<void> {
    return this.call<void>((callback) => run((error) => callback(error, undefined)));
  }
}

function typeOf(stats: Stats): FileStat['type'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  return stats.isSymbolicLink() ? 'symlink' : 'other';
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 2;
}

/** A Writable onto an open SFTP handle that keeps up to WRITES_IN_FLIGHT write requests outstanding. */
function createHandleWriter(sftp: SFTPWrapper, calls: SessionCalls, handle: Buffer): Writable {
  let position = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let waiting: (() => void) | undefined;
  let closed = false;
  const close = (callback: (error: Error | null | undefined) => void): void => {
    if (closed || calls.lost) return callback(calls.lost);
    closed = true;
    calls.done((done) => sftp.close(handle, done)).then(() => callback(undefined), callback);
  };
  const settle = (): void => {
    const next = waiting;
    waiting = undefined;
    next?.();
  };
  return new Writable({
    highWaterMark: CHUNK * 4,
    write(chunk: Buffer, _encoding, callback) {
      if (failure) return callback(failure);
      inFlight++;
      calls
        .done((done) => sftp.write(handle, chunk, 0, chunk.length, position, done))
        .catch((error: Error) => (failure ??= error))
        .finally(() => {
          inFlight--;
          settle();
        });
      position += chunk.length;
      if (inFlight < WRITES_IN_FLIGHT) return callback();
      waiting = () => callback(failure);
    },
    final(callback) {
      const finish = (): void => {
        if (inFlight > 0) return void (waiting = finish);
        close((error) => callback(failure ?? error ?? null));
      };
      finish();
    },
    destroy(error, callback) {
      close(() => callback(error));
    },
  });
}

/**
 * An SSH host's file system over SFTP, on a session of the target's pooled connection. Hashes are computed
 * on the host with `sha256sum`.
 */
function createSftpFileSystem(target: SshTarget, sftp: SFTPWrapper): TransferFileSystem {
  const calls = new SessionCalls(sftp, target.id);
  return {
    async lstat(path) {
      try {
        const stats = await calls.call<Stats>((done) => sftp.lstat(path, done));
        return {
          type: typeOf(stats),
          mode: stats.mode & 0o7777,
          size: stats.size,
          mtimeMs: stats.mtime * 1000,
        };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async readdir(path) {
      const list = await calls.call<Array<{ filename: string }>>((done) => sftp.readdir(path, done));
      return list.map((item) => item.filename).filter((name) => name !== '.' && name !== '..');
    },
    readlink: (path) => calls.call<string>((done) => sftp.readlink(path, done)),
    createReadStream(path, signal) {
      const stream = sftp.createReadStream(path, { highWaterMark: 64 * 1024 }) as unknown as Readable;
      const onAbort = (): void => void stream.destroy(signal.reason as Error);
      const onLost = (): void => void stream.destroy(calls.lost);
      signal.addEventListener('abort', onAbort, { once: true });
      sftp.once('close', onLost);
      stream.once('close', () => {
        signal.removeEventListener('abort', onAbort);
        sftp.removeListener('close', onLost);
      });
      return stream;
    },
    async writeFile(path, body, mode, signal) {
      const handle = await calls.call<Buffer>((done) => sftp.open(path, 'wx', { mode }, done));
      const writer = createHandleWriter(sftp, calls, handle);
      const onLost = (): void => void writer.destroy(calls.lost);
      sftp.once('close', onLost);
      try {
        await pipeline(body, writer, { signal });
      } finally {
        sftp.removeListener('close', onLost);
      }
    },
    async mkdir(path, { recursive, mode }) {
      try {
        await calls.done((callback) => sftp.mkdir(path, { mode }, callback));
      } catch (error) {
        const stat = await this.lstat(path);
        if (stat?.type === 'directory') return;
        if (!recursive || stat !== undefined || path === '/') throw error;
        await this.mkdir(path.replace(/\/[^/]+\/?$/, '') || '/', { recursive, mode });
        await this.mkdir(path, { recursive: false, mode });
      }
    },
    symlink: (linkTarget, path) => calls.done((callback) => sftp.symlink(linkTarget, path, callback)),
    rename: (from, to) => calls.done((callback) => sftp.ext_openssh_rename(from, to, callback)),
    chmod: (path, mode) => calls.done((callback) => sftp.chmod(path, mode, callback)),
    utimes: (path, mtimeMs) =>
      calls.done((callback) => sftp.utimes(path, mtimeMs / 1000, mtimeMs / 1000, callback)),
    remove: (path) => calls.done((callback) => sftp.unlink(path, callback)).catch(() => {}),
    sha256: async (path) => parseSha256(await runRemoteScript(target, `sha256sum -- ${quote(path)}`)),
  };
}

/**
 * Opens an SFTP session on the target's pooled connection for one transfer; `close` ends the session.
 *
 * @example
 * const { fs, close } = await openSshFileSystem(target, signal);
 * try { … } finally { close(); }
 */
export async function openSshFileSystem(
  target: SshTarget,
  signal: AbortSignal,
): Promise<{ fs: TransferFileSystem; close: () => void }> {
  const connection = await acquireConnection(target.settings);
  const sftp = await connection.sftp(signal);
  return { fs: createSftpFileSystem(target, sftp), close: () => sftp.end() };
}

/** Per pooled connection: whether its host has `tar`, asked once. */
const tarChecks = new WeakMap<Connection, Promise<boolean>>();

/**
 * Whether the host has `tar` (and so takes trees as one archive over an exec channel), asked once per
 * pooled connection. A failed question counts as no `tar`: the transfer goes file by file over SFTP.
 *
 * @example
 * if (await hasRemoteTar(target)) host = createExecArchiveHost(target);
 */
export async function hasRemoteTar(target: SshTarget): Promise<boolean> {
  const connection = await acquireConnection(target.settings);
  let check = tarChecks.get(connection);
  if (check === undefined) {
    check = runRemoteScript(target, 'command -v tar >/dev/null && echo tar').then(
      (output) => output.trim() === 'tar',
      () => false,
    );
    tarChecks.set(connection, check);
  }
  return check;
}
