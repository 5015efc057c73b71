import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Every ```ts block of the README runs here against the built package (`npm run build` first), so the
 * examples cannot rot. A block asserts what it claims with node:assert.
 */
const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
const built = resolve('dist/index.js');
const parallelBuilt = resolve('dist/parallel/index.js');
const scratch = resolve('.tmp/readme');
const run = promisify(execFile);

describe('README examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((code, index) => [index + 1, code] as const))('example %i runs', async (index, code) => {
    mkdirSync(scratch, { recursive: true });
    const file = join(scratch, `example-${index}.mjs`);
    writeFileSync(
      file,
      code
        .replaceAll("from 'fanout/parallel'", `from '${parallelBuilt}'`)
        .replaceAll("from 'fanout'", `from '${built}'`),
    );
    const { stderr } = await run(process.execPath, [file], { cwd: scratch, timeout: 60_000 });
    expect(stderr).toBe('');
  });
});
