import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built CLI: the tests drive it as a user would (`npx tsup` builds it; `npm test` does so first). */
export const CLI = resolve('dist/cli/main.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
}

/** Starts the CLI; `result` settles when it exits. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; result: Promise<CliRun>; output: () => string } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsup\` first`);
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.input ?? '');
  const result = new Promise<CliRun>((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, result, output: () => stdout + stderr };
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).result;
}

/** A fresh directory holding an inventory of `count` local targets named `node1…` (group `@half`: the first half). */
export function localFleet(count = 4): { dir: string; inventory: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-cli-'));
  const names = Array.from({ length: count }, (_, index) => `node${index + 1}`);
  const inventory = join(dir, 'fanout.yaml');
  writeFileSync(
    inventory,
    [
      'targets:',
      ...names.map((name) => `  ${name}: local`),
      'groups:',
      `  half: [${names.slice(0, count / 2).join(', ')}]`,
      '',
    ].join('\n'),
  );
  return { dir, inventory };
}
