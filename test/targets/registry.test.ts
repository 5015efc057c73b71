import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGET_KIND_ABOUT } from '../../src/targets/about.js';
import { TARGET_KINDS } from '../../src/targets/registry.js';

/** Every file of dist/ that loading `file` loads at once: its static imports, followed (not `import()`). */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, path] of source.matchAll(/^(?:import|export)\b[^;]*?["'](\.{1,2}\/[^"']+)["']/gms)) {
    staticImports(resolve(dirname(file), path!), seen);
  }
  return seen;
}

describe('target kind registry', () => {
  it('names every kind for help as its row does, in the same order', () => {
    expect(TARGET_KIND_ABOUT.map(({ scheme, uriForm, summary }) => ({ scheme, uriForm, summary }))).toEqual(
      TARGET_KINDS.map(({ scheme, uriForm, summary }) => ({ scheme, uriForm, summary })),
    );
  });

  it('lets the CLI start (--help, usage errors) without loading any kind of target or the library', () => {
    const loaded = [...staticImports(resolve('dist/cli/main.js'))];
    const sources = loaded.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^\/\/ (src\/\S+)$/gm)].map(([, source]) => source!),
    );
    expect(sources).toContain('src/cli/program.ts');
    expect(
      sources.filter(
        (source) =>
          /^src\/(targets\/(ssh|docker|kubernetes|remote)|transfer|fleet|queue)\//.test(source) &&
          !source.endsWith('/about.ts'),
      ),
    ).toEqual([]);
  });
});
