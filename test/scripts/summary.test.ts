import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The line scripts/summary.mjs prints for a vitest JSON report and vitest's exit status. */
function summary(report: object | undefined, ...status: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fanout-summary-')), 'results.json');
  if (report) writeFileSync(file, JSON.stringify(report));
  const run = spawnSync(process.execPath, ['scripts/summary.mjs', file, ...status], { encoding: 'utf8' });
  return run.stdout.trim();
}

const report = (passed: number, failed: number, failedSuites = 0) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  numFailedTestSuites: failedSuites,
});

describe('scripts/summary.mjs', () => {
  it('counts the report’s passed and failed tests', () => {
    expect(summary(report(12, 0), '0')).toBe('12 passed, 0 failed');
    expect(summary(report(10, 2), '1')).toBe('10 passed, 2 failed');
  });

  it('counts a failed run as a failure even when every test passed (an unhandled error, a file that did not load)', () => {
    expect(summary(report(12, 0), '1')).toBe('12 passed, 1 failed');
    expect(summary(report(12, 0, 1))).toBe('12 passed, 1 failed');
  });

  it('says 1 failed when there is no report', () => {
    expect(summary(undefined, '1')).toBe('0 passed, 1 failed');
  });
});
