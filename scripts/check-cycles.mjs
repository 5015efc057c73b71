#!/usr/bin/env node
// Fails when the modules under src/ import each other in a cycle at run time. Only imports that load a
// module count: `import type` / `export type` are erased, and a dynamic `import()` loads on first use.
// Under `verbatimModuleSyntax`, `import { type A } from` still loads its module, so it counts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src');

function listSources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return /\.(m?ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative modules a file loads when it is loaded. */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const targets = [];
  for (const statement of source.statements) {
    let specifier;
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) {
      specifier = statement.moduleSpecifier;
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifier = statement.moduleSpecifier;
    }
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    targets.push(resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')));
  }
  return targets;
}

const files = listSources(root);
const graph = new Map(files.map((file) => [file, runtimeImports(file)]));

// Depth-first search; a back edge to a module on the current path closes a cycle.
const state = new Map();
const path = [];
const cycles = [];
function visit(file) {
  state.set(file, 'open');
  path.push(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  path.pop();
  state.set(file, 'done');
}
for (const file of files) if (!state.has(file)) visit(file);

if (cycles.length > 0) {
  const shown = (file) => relative(process.cwd(), file);
  for (const cycle of cycles) console.error(`import cycle: ${cycle.map(shown).join(' → ')}`);
  console.error(
    `${cycles.length} import cycle(s) at run time; break them (a type-only import, or move the shared part).`,
  );
  process.exit(1);
}
