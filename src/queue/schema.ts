import type { PoolClient } from 'pg';

/**
 * The queue's schema, one entry per version; fanout applies the ones a database lacks, in order, under an
 * advisory lock, so workers and submitters of different ages can start at once. Never edit an entry that
 * has shipped: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE fanout.runs (
    id            bigserial PRIMARY KEY,
    template      text NOT NULL,
    timeout_ms    integer,
    kill_grace_ms integer NOT NULL,
    retries       integer NOT NULL,
    backoff_ms    integer NOT NULL,
    policy        jsonb NOT NULL,
    output_cap    integer NOT NULL,
    state         text NOT NULL DEFAULT 'running'
                  CHECK (state IN ('running', 'stopping', 'done', 'halted', 'canceled')),
    stop          jsonb,
    total         integer,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
  );
  CREATE TABLE fanout.jobs (
    run_id     bigint NOT NULL REFERENCES fanout.runs ON DELETE CASCADE,
    seq        integer NOT NULL,
    args       text[] NOT NULL,
    command    text NOT NULL,
    state      text NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'running', 'ok', 'failed', 'timeout', 'unreachable', 'canceled', 'skipped')),
    attempts   integer NOT NULL DEFAULT 0,
    failures   integer NOT NULL DEFAULT 0,
    not_before timestamptz,
    finished   bigint,
    PRIMARY KEY (run_id, seq)
  );
  CREATE INDEX jobs_open ON fanout.jobs (run_id, seq) WHERE state IN ('queued', 'running');
  CREATE INDEX jobs_finished ON fanout.jobs (run_id, finished) WHERE finished IS NOT NULL;
  CREATE SEQUENCE fanout.finish_order;
  CREATE TABLE fanout.attempts (
    id           bigserial PRIMARY KEY,
    run_id       bigint NOT NULL,
    seq          integer NOT NULL,
    attempt      integer NOT NULL,
    worker       text NOT NULL,
    target       text,
    state        text NOT NULL DEFAULT 'running'
                 CHECK (state IN ('running', 'ended', 'lost', 'released')),
    stage        text,
    exit_code    integer,
    signal       text,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    ended_at     timestamptz,
    duration_ms  double precision,
    output_bytes bigint,
    sha256       text,
    stdout       text,
    stderr       text,
    truncated    boolean,
    error        text,
    error_code   text,
    UNIQUE (run_id, seq, attempt),
    FOREIGN KEY (run_id, seq) REFERENCES fanout.jobs ON DELETE CASCADE
  );
  CREATE INDEX attempts_running ON fanout.attempts (worker) WHERE state = 'running';
  CREATE INDEX attempts_lease ON fanout.attempts (lease_until) WHERE state = 'running';
  CREATE TABLE fanout.workers (
    id           text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    targets      text[] NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
  );
  `,
  // --pipe chunks are a job's stdin; a job whose input could not make a command carries why, and fails;
  // a run whose template uses {%} has a number standing for the slot, which each worker fills in.
  `
  ALTER TABLE fanout.jobs ADD COLUMN stdin bytea, ADD COLUMN error text;
  ALTER TABLE fanout.runs ADD COLUMN slot_marker bigint;
  `,
  // The command as an attempt ran it, where the worker filled in {%}; with rolling batches, the last job
  // of the batches opened so far (jobs after it are not claimable yet).
  `
  ALTER TABLE fanout.attempts ADD COLUMN command text;
  ALTER TABLE fanout.runs ADD COLUMN batch_end integer;
  `,
];

/** The schema version this fanout writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any 64-bit constant of our own: serialises migrations between processes. */
const MIGRATION_LOCK = 0x66616e6f7574;

/**
 * Brings the `fanout` schema to {@link SCHEMA_VERSION}; refuses a database migrated by a newer fanout.
 *
 * @example
 * await migrate(await pool.connect());
 */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS fanout');
    await client.query('CREATE TABLE IF NOT EXISTS fanout.version (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM fanout.version');
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the queue's schema is version ${current}, newer than this fanout's ${SCHEMA_VERSION}: upgrade fanout`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version += 1) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('DELETE FROM fanout.version');
        await client.query('INSERT INTO fanout.version VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
