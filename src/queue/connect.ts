import type pg from 'pg';
import { loadPg } from './pg.js';
import { FanoutError } from '../errors.js';
import { migrate } from './schema.js';

/** Where the queue lives: a connection string, or the PG* variables' parts; `label` is safe to print. */
export interface QueueSource {
  readonly config: pg.PoolConfig;
  /** `postgres://user@host:port/db`: never the password. */
  readonly label: string;
  /** The password, so that messages can be cleaned of it. */
  readonly secret: string | undefined;
}

/**
 * The queue's address from `--queue URL`, else `FANOUT_QUEUE`, else the libpq variables (`PGHOST`,
 * `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`); undefined when none is set.
 *
 * @example
 * resolveQueueSource(undefined, { FANOUT_QUEUE: 'postgres://ci:s3cret@db/fanout' })?.label // 'postgres://ci@db:5432/fanout'
 */
export function resolveQueueSource(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): QueueSource | undefined {
  const url = flag ?? env.FANOUT_QUEUE;
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError('expected a URL such as postgres://user:password@host:5432/database');
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      throw new TypeError(`expected a postgres:// URL, got the scheme \`${parsed.protocol}\``);
    }
    const secret = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
    parsed.password = '';
    return { config: { connectionString: url }, label: labelOf(parsed), secret };
  }
  const keys = ['PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD', 'PGSERVICE'];
  if (!keys.some((key) => env[key] !== undefined)) return undefined;
  const host = env.PGHOST ?? 'localhost';
  const port = Number(env.PGPORT ?? 5432);
  const user = env.PGUSER ?? env.USER ?? 'postgres';
  const database = env.PGDATABASE ?? user;
  return {
    config: { host, port, user, database, password: env.PGPASSWORD },
    label: `postgres://${user}@${host}:${port}/${database}`,
    secret: env.PGPASSWORD,
  };
}

function labelOf(url: URL): string {
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  const path = url.pathname.length > 1 ? url.pathname : '';
  return `postgres://${user}${url.hostname}:${url.port || 5432}${path}`;
}

/** Text with the password (plain and URL-encoded) replaced by `***`. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.replaceAll(secret, '***').replaceAll(encodeURIComponent(secret), '***');
}

const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
]);

/** True for errors a reconnect cures: the server went away, is starting or shutting down. */
export function isTransient(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code.startsWith('57P') || TRANSIENT_ERRNO.has(code))
  ) {
    return true;
  }
  return /Connection terminated|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(
    message ?? '',
  );
}

/** An open queue: a small connection pool on a migrated database. */
export interface Queue {
  readonly pool: pg.Pool;
  readonly source: QueueSource;
  /** A FanoutError for a failure of the queue, its message free of the password. */
  fail(error: unknown, doing: string): FanoutError;
  close(): Promise<void>;
}

/** Options of {@link openQueue}. */
export interface OpenQueueOptions {
  /** Most connections the queue's pool opens. Default: 4. */
  readonly max?: number;
}

/**
 * Connects to the queue (a `postgres://` URL, or a source from {@link resolveQueueSource}) and creates or
 * migrates its schema. Close it when done.
 *
 * @example
 * const queue = await openQueue('postgres://fanout:secret@db.example.com/fanout');
 * try { console.log(await listRuns(queue)); } finally { await queue.close(); }
 */
export async function openQueue(where: QueueSource | string, options: OpenQueueOptions = {}): Promise<Queue> {
  const source = typeof where === 'string' ? resolveQueueSource(where, {})! : where;
  const pool = new (loadPg().Pool)({
    ...source.config,
    max: options.max ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // A connection cut by a server restart fails its query (which callers retry) and leaves the pool; the
  // error it also emits, idle or checked out, is not one more failure.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const queue: Queue = {
    pool,
    source,
    fail(error, doing) {
      const message = redact((error as Error)?.message ?? String(error), source.secret);
      return new FanoutError(`queue ${source.label}: ${doing}: ${message}`, {
        code: 'CONNECTION_FAILED',
        target: source.label,
      });
    },
    close: () => pool.end(),
  };
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw queue.fail(error, 'cannot open');
  }
  return queue;
}

/**
 * Runs a database step until it succeeds, waiting out server restarts; other errors, and `signal`
 * aborting, end it.
 *
 * @example
 * await persist(() => pool.query('UPDATE …'), signal);
 */
export async function persist<T>(step: () => Promise<T>, signal?: AbortSignal, waitMs = 250): Promise<T> {
  for (let delay = waitMs; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await step();
    } catch (error) {
      if (!isTransient(error) || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
