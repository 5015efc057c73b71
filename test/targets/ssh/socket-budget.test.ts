import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { socketBudgetFor } from '../../../src/targets/ssh/socket-budget.js';
import { CLI } from '../../support/cli.js';
import { startFleet, type Fleet } from '../../support/fleet-fixtures.js';

const HOSTS = 48;
/** Below the fleet's size plus what Node holds itself: without a budget the run fails with EMFILE. */
const OPEN_FILES = 64;

let fleet: Fleet;
let inventory: string;

beforeAll(async () => {
  fleet = await startFleet(inject('ssh'), { count: HOSTS, subnet: 9 });
  inventory = fleet.inventory(mkdtempSync(join(tmpdir(), 'fanout-fd-')));
});

afterAll(() => fleet?.stop());

/** The CLI under `ulimit -n OPEN_FILES` (soft and hard: Node cannot raise it). */
function cliWithin(line: string, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'sh',
      ['-c', `ulimit -n ${OPEN_FILES} && exec ${JSON.stringify(process.execPath)} ${CLI} ${line}`],
      { maxBuffer: 1 << 24 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('the SSH socket budget', () => {
  it('is half the open-file limit', () => {
    expect([1024, 64, 1, undefined].map(socketBudgetFor)).toEqual([512, 32, 1, Infinity]);
  });

  it(`runs a command on ${HOSTS} hosts at once under ulimit -n ${OPEN_FILES}`, async () => {
    const run = await cliWithin(`run -i ${inventory} 'f[1-${HOSTS}]' -j ${HOSTS} --progress none -- echo hi`);
    expect(run.stderr).not.toContain('EMFILE');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter((line) => line.endsWith('hi'))).toHaveLength(HOSTS);
  });

  it('closes idle pooled connections for new ones when a stream of jobs visits every host in turn', async () => {
    const jobs = Array.from({ length: HOSTS * 2 }, (_, i) => `${i + 1}\n`).join('');
    const run = await cliWithin(
      `jobs -i ${inventory} 'f[1-${HOSTS}]' -j 8 --progress none -- 'echo job-{}'`,
      jobs,
    );
    expect(run.stderr).not.toContain('EMFILE');
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout.split('\n').filter((line) => /job-\d+$/.test(line))).toHaveLength(HOSTS * 2);
  });
});
