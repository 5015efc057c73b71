import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';
import { startPostgres, type PostgresFixture } from '../support/postgres.js';
import { submit } from '../queue/support.js';

describe('secrets of queued runs (real PostgreSQL)', { timeout: 300_000 }, () => {
  let db: PostgresFixture;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(() => db?.stop());

  it('a worker passes its --env to the jobs and stores their output masked; results files are 0600', async () => {
    const secret = `queued-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const { dir, inventory } = sshInventory([], ['box']);
    const runId = await submit(db.url, ['echo {} "$TOKEN";', 'printf %s "$TOKEN" | sha256sum'], [], '1\n2\n');
    const worker = await startCli(
      ['worker', '--queue', db.url, '-i', inventory, 'box', '--env', 'TOKEN', '--run', String(runId)],
      { env: { TOKEN: secret }, cwd: dir },
    ).result;
    expect(worker.code).toBe(0);

    const files = mkdtempSync(join(tmpdir(), 'fanout-results-'));
    const journal = join(files, 'run.jsonl');
    const joblog = join(files, 'run.log');
    const results = await runCli([
      'results',
      '--queue',
      db.url,
      String(runId),
      '--journal',
      journal,
      '--joblog',
      joblog,
    ]);
    expect(results.code).toBe(0);
    const text = readFileSync(journal, 'utf8');
    expect(text).toContain(createHash('sha256').update(secret).digest('hex'));
    expect(text).toContain('1 ***');
    expect(text).not.toContain(secret);
    for (const file of [journal, joblog]) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses --env on a queued run: each worker gives its own', async () => {
    const run = await runCli(['jobs', '--queue', db.url, '--env', 'HOME', '--', 'echo', ':::', 'a']);
    expect(run.code).toBe(255);
    expect(run.stderr).toContain(
      '--env: a queued run takes no environment: give --env to each `fanout worker`',
    );
  });
});
