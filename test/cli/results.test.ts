import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { sshInventory } from '../support/fleets.js';
import { waitFor } from '../support/processes.js';

const read = (...parts: string[]) => readFileSync(join(...parts), 'utf8');

describe('--results', { timeout: 120_000 }, () => {
  it('writes stdout, stderr and exit per target for run, an unreachable target included', async () => {
    const { dir, inventory } = sshInventory();
    writeFileSync(
      inventory,
      read(inventory).replace('targets:\n', 'targets:\n  closed: ssh://127.0.0.2:1\n'),
    );
    const out = join(dir, 'out');
    const run = await runCli(
      [
        'run',
        '-i',
        inventory,
        'h1',
        'h2',
        'closed',
        '--results',
        out,
        '--progress',
        'none',
        '--',
        'echo "out $SSH_CONNECTION" | cut -d" " -f1,4; echo err >&2; exit 3',
      ],
      { cwd: dir },
    );
    expect(readdirSync(out).sort()).toEqual(['closed', 'h1', 'h2']);
    for (const name of ['h1', 'h2']) {
      expect(read(out, name, 'stdout')).toMatch(/^out 127\.0\.0\.\d\n$/);
      expect(read(out, name, 'stderr')).toBe('err\n');
      expect(read(out, name, 'exit')).toBe('3\n');
    }
    expect(read(out, 'h1', 'stdout')).not.toBe(read(out, 'h2', 'stdout'));
    expect(read(out, 'closed', 'exit')).toBe('unreachable\n');
    expect(run.code).toBe(3);
  });

  it('writes per job number for jobs, as the output arrives', async () => {
    const { dir, inventory } = sshInventory();
    const out = join(dir, 'out');
    const run = startCli(
      [
        'jobs',
        '-i',
        inventory,
        '@fixtures',
        '--results',
        out,
        '--progress',
        'none',
        '--',
        'echo first {}; if [ {} = slow ]; then sleep 3; fi; echo second {}',
        ':::',
        'fast',
        'slow',
      ],
      { cwd: dir },
    );
    await waitFor(
      () => existsSync(join(out, '2', 'stdout')) && read(out, '2', 'stdout') === 'first slow\n',
      30_000,
      'the first line of job 2',
    );
    expect(existsSync(join(out, '2', 'exit'))).toBe(false);
    const result = await run.result;
    expect(read(out, '1', 'stdout')).toBe('first fast\nsecond fast\n');
    expect(read(out, '2', 'stdout')).toBe('first slow\nsecond slow\n');
    expect(read(out, '2', 'exit')).toBe('0\n');
    expect(result.code).toBe(0);
  });
});
