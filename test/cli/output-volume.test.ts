import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

const JOBS = 4;
const PER_JOB = 250_000_000;
/** Lines of 999 'z' and a newline: the z's are counted at the end of the pipe ('z' is in no label or header). */
const LINE = 1000;
const PAYLOAD = JOBS * (PER_JOB / LINE) * (LINE - 1);

/** Runs `sh -c script`, resolving with its stdout; stderr is kept for the failure message. */
function sh(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('fanout with 1 GB of output', { timeout: 600_000 }, () => {
  // Each job prints its own argument last, so collapse holds four distinct outputs of 250 MB each.
  const job = `yes $(printf 'z%.0s' $(seq ${LINE - 1})) | head -c ${PER_JOB}; echo {}`;
  for (const mode of ['tag', 'group', 'collapse', 'json'] as const) {
    it(`${mode} delivers every byte of 1 GB with a peak RSS under 200 MB`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fanout-volume-'));
      const rss = join(dir, 'rss');
      const started = performance.now();
      const counted = await sh(
        `set -e; /usr/bin/time -f %M -o ${rss} ${process.execPath} ${CLI} jobs local -j ${JOBS} --progress none ` +
          `--output ${mode} -- "${job}" ::: 1 2 3 4 | LC_ALL=C tr -cd z | wc -c`,
      );
      const seconds = (performance.now() - started) / 1000;
      const peakKb = Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1));
      // json repeats each job's command (999 z's) in its end record.
      const expected = PAYLOAD + (mode === 'json' ? JOBS * (LINE - 1) : 0);
      expect(Number(counted.trim())).toBe(expected);
      expect(peakKb).toBeLessThan(200 * 1024);
      console.log(`${mode}: 1 GB in ${seconds.toFixed(1)} s, peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
    });
  }
});
