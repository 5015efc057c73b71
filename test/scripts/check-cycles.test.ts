import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the cycle check over a folder of modules given as { 'a.ts': source }. */
function checkCycles(files: Record<string, string>): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-cycles-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  const run = spawnSync(process.execPath, ['scripts/check-cycles.mjs', dir], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('scripts/check-cycles.mjs', () => {
  it('fails on modules that load each other at run time, naming the cycle', () => {
    const run = checkCycles({
      'a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'b.ts': "import { c } from './c.js';\nexport const b = c;\n",
      'c.ts': "export { a as c } from './a.js';\n",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/a\.ts → .*b\.ts → .*c\.ts → .*a\.ts/);
  });

  it('passes type-only and dynamic imports, which load nothing when the module loads', () => {
    const clean = checkCycles({
      'a.ts':
        "import type { B } from './b.js';\nexport type A = B;\nexport const load = () => import('./b.js');\n",
      'b.ts': "import type { A } from './a.js';\nexport type B = A;\n",
    });
    expect(clean.status).toBe(0);
  });

  it('finds no cycle in src', () => {
    expect(spawnSync(process.execPath, ['scripts/check-cycles.mjs', 'src']).status).toBe(0);
  });
});
