import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

describe('fanout output to a slow reader', { timeout: 120_000 }, () => {
  it('delivers every line before exiting, however late the reader starts reading', () => {
    // The reader sleeps first, so the CLI's output waits in the pipe when its jobs are done.
    const script =
      `"${process.execPath}" "${CLI}" jobs local --progress none -- 'seq 1 20000 | sed "s/^/{}-/"' ` +
      `::: a b c d e | (sleep 2; wc -l); echo "status \${PIPESTATUS[0]}"`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(['100000', 'status 0']);
  });
});
