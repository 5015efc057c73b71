import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatJoblogLine,
  jobsToSkip,
  JOBLOG_HEADER,
  openJoblog,
  readJoblog,
} from '../../src/fleet/journal/joblog.js';
import type { JobReport } from '../../src/fleet/report.js';

const base: JobReport = {
  seq: 3,
  command: "sha256sum 'a b.txt'",
  args: ['a b.txt'],
  target: 'alpha',
  stage: 'run',
  ok: true,
  exitCode: 0,
  signal: null,
  attempts: 1,
  startedAt: 1_764_361_800_123,
  durationMs: 16.4,
  outputBytes: 12,
  stdout: '',
  stderr: '',
  error: undefined,
  errorCode: undefined,
};

describe('joblog', () => {
  it.each([
    [base, "3\talpha\t1764361800.123\t     0.016\t0\t12\t0\t0\tsha256sum 'a b.txt'"],
    [
      { ...base, ok: false, exitCode: 2 },
      "3\talpha\t1764361800.123\t     0.016\t0\t12\t2\t0\tsha256sum 'a b.txt'",
    ],
    [
      { ...base, ok: false, stage: 'timeout', exitCode: null, signal: 'SIGTERM' },
      "3\talpha\t1764361800.123\t     0.016\t0\t12\t-1\t15\tsha256sum 'a b.txt'",
    ],
    [
      { ...base, ok: false, stage: 'run', exitCode: null, signal: 'SIGKILL' },
      "3\talpha\t1764361800.123\t     0.016\t0\t12\t-1\t9\tsha256sum 'a b.txt'",
    ],
    [
      { ...base, ok: false, stage: 'connect', exitCode: null },
      "3\talpha\t1764361800.123\t     0.016\t0\t12\t255\t0\tsha256sum 'a b.txt'",
    ],
  ] as const)('writes GNU parallel’s line format', (job, line) => {
    expect(formatJoblogLine(job as JobReport)).toBe(line);
  });

  it('writes a header once, appends on resume, leaves canceled and skipped jobs out, and reads back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'joblog-')), 'run.log');
    const first = openJoblog(file, { append: false });
    first.write(base);
    first.write({ ...base, seq: 4, stage: 'canceled', ok: false });
    first.write({ ...base, seq: 5, stage: 'skipped', ok: false });
    first.close();
    const second = openJoblog(file, { append: true });
    second.write({ ...base, seq: 6, ok: false, exitCode: 1 });
    second.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe(JOBLOG_HEADER);
    expect(lines).toHaveLength(4);
    expect(readJoblog(file).map((entry) => [entry.seq, entry.exitValue])).toEqual([
      [3, 0],
      [6, 1],
    ]);
  });

  it('reads GNU parallel’s own joblog and ignores a torn last line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'joblog-')), 'gnu.log');
    writeFileSync(
      file,
      `${JOBLOG_HEADER}\n1\t:\t1795900796.128\t     0.000\t0\t2\t0\t0\techo a\n2\t:\t1795900796.149\t     0.009\t0\t2\t3\t0\techo b\n3\t:\t17959`,
    );
    const entries = readJoblog(file);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2]);
    expect([...jobsToSkip(entries, 'resume')]).toEqual([1, 2]);
    expect([...jobsToSkip(entries, 'resume-failed')]).toEqual([1]);
    expect(readJoblog(join(file, 'missing'))).toEqual([]);
  });
});

describe('joblog writer', () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'joblog-')), 'run.log');

  it('cuts a torn last line before appending, so the next record starts on its own line', () => {
    const file = fresh();
    writeFileSync(
      file,
      `${JOBLOG_HEADER}\n1\talpha\t1764361800.123\t     0.016\t0\t12\t0\t0\techo a\n2\talpha\t17643`,
    );
    const log = openJoblog(file, { append: true });
    log.write({ ...base, seq: 3 });
    log.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(readJoblog(file).map((entry) => entry.seq)).toEqual([1, 3]);
  });

  it('cuts a file holding only a torn header back to a fresh header', () => {
    const file = fresh();
    writeFileSync(file, 'Seq\tHo');
    const log = openJoblog(file, { append: true });
    log.write(base);
    log.close();
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(JOBLOG_HEADER);
    expect(readJoblog(file).map((entry) => entry.seq)).toEqual([3]);
  });

  it('refuses a second writer with an error naming the file, and lets the next run in after close', () => {
    const file = fresh();
    const first = openJoblog(file, { append: false });
    expect(() => openJoblog(file, { append: true })).toThrow(/run\.log is in use by another fanout run/);
    first.write(base);
    first.close();
    const second = openJoblog(file, { append: true });
    second.write({ ...base, seq: 4 });
    second.close();
    expect(readJoblog(file).map((entry) => entry.seq)).toEqual([3, 4]);
  });

  it('takes over a lock left by a process that no longer runs', () => {
    const file = fresh();
    const dead = spawnSync('true').pid!;
    writeFileSync(`${file}.lock`, `${dead}\n`);
    const log = openJoblog(file, { append: false });
    log.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('creates the file 0600 and replaces old content only when it records a job or closes', () => {
    const file = fresh();
    writeFileSync(file, `${JOBLOG_HEADER}\nold\n`);
    const log = openJoblog(file, { append: false });
    expect(readFileSync(file, 'utf8')).toBe(`${JOBLOG_HEADER}\nold\n`);
    log.close({ complete: false });
    expect(readFileSync(file, 'utf8')).toBe(`${JOBLOG_HEADER}\nold\n`);
    const other = fresh();
    const created = openJoblog(other, { append: false });
    created.close();
    expect(statSync(other).mode & 0o777).toBe(0o600);
    expect(readFileSync(other, 'utf8')).toBe(`${JOBLOG_HEADER}\n`);
  });
});
