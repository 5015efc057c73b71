import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exitCodeForError } from '../../src/cli/exit-code.js';
import { dispatch } from '../../src/cli/program.js';

/** A stream that keeps what is written to it. */
function collector(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process, as main.ts does: argv → dispatch → one exit status. */
async function runInProcess(argv: readonly string[], input: string | Buffer = ''): Promise<InProcessRun> {
  const stdout = collector();
  const stderr = collector();
  const io = {
    stdin: Readable.from([Buffer.from(input)]),
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: '1' },
  };
  let code: number;
  try {
    code = await dispatch(argv, io);
  } catch (error) {
    code = exitCodeForError(error, stderr);
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** What every run must end in: a documented status, and no internal error or stack trace. */
function expectCleanEnd(run: InProcessRun, argv: readonly string[]): void {
  const context = `argv: ${JSON.stringify(argv)}\nstderr: ${run.stderr.slice(0, 2000)}`;
  expect(run.stderr, context).not.toContain('internal error');
  expect(run.stderr, context).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect([...Array.from({ length: 102 }, (_, n) => n), 130, 141, 255], context).toContain(run.code);
}

const dir = mkdtempSync(join(tmpdir(), 'fanout-fuzz-'));
/** Cases per property; FUZZ_RUNS=1000 for a deeper search. */
const runs = (usual: number): number => Number(process.env.FUZZ_RUNS ?? usual);

/** Flag values: valid ones, near misses and garbage. */
const value = fc.oneof(
  fc.constantFrom('', '0', '1', '2', '-1', '1.5', ' 3', '0x10', '1e3', 'abc', '50%', '1,50%', '0%', '101%'),
  fc.constantFrom('now,fail=1', 'soon,fail=50%', 'never', 'now,fail=', '10ms', '2s', '-5s', '8761h', 'NaN'),
  fc.constantFrom('tag', 'group', 'collapse', 'json', 'bar', 'plain', 'none', 'auto', '[', '(', '\\'),
  fc.string({ maxLength: 6 }),
);
/** Flags whose value names a file: always one in the scratch directory (the run must not write elsewhere). */
const pathValue = fc
  .constantFrom('a.log', 'b.log', 'missing/x.log', 'results', 'inventory.yaml')
  .map((name) => join(dir, name));
/** Flags that would wait on a human scale with some valid values: their values stay small. */
const small = fc.constantFrom('0', '1', '2', 'x', '-1', '0.01', '10ms');

const flag = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      '-j',
      '--per-target',
      '--timeout',
      '--halt',
      '--batches',
      '--output',
      '--progress',
      '--colsep',
      '-N',
      '--block',
      '--tagstring',
      '--exclude',
      '--env',
      '--secret',
    ),
    value,
  ),
  fc.tuple(fc.constantFrom('--retries', '--delay'), small),
  fc.tuple(fc.constantFrom('--joblog', '--results', '-i'), pathValue),
  fc.tuple(
    fc.constantFrom(
      '--resume',
      '--resume-failed',
      '--dry-run',
      '--link',
      '-X',
      '-m',
      '--pipe',
      '--raw-output',
      '--keep-order',
      '--stdin',
      '--no-such-flag',
      '-j',
    ),
  ),
);

/** Job templates that never do harm, whatever they are given. */
const template = fc.constantFrom(
  'echo {}',
  'printf "%s\\n" {}',
  'true',
  'exit 3 # {}',
  'echo {1} {2} {#} {%}',
  '{}',
);

const argvCase = fc.record({
  command: fc.constantFrom('run', 'run', 'jobs', 'jobs', 'jobs', 'targets', 'nonsense'),
  selection: fc.constantFrom(
    ['local'],
    ['local', 'local'],
    [],
    ['a[1-3]'],
    ['@all'],
    ['!local'],
    ['local[1-100000][1-100000]'],
  ),
  flags: fc.array(flag, { maxLength: 4 }),
  dash: fc.constantFrom(true, true, true, false),
  template,
  args: fc.array(fc.oneof(fc.constantFrom(':::', '::::', ':::+', '-'), fc.string({ maxLength: 5 })), {
    maxLength: 4,
  }),
  input: fc.string({ maxLength: 30 }),
});

describe('fanout on arbitrary input', { timeout: 120_000 }, () => {
  it('ends every command line in a usage error, a per-job failure or success', async () => {
    await fc.assert(
      fc.asyncProperty(argvCase, async (sample) => {
        const argv = [
          sample.command,
          ...sample.selection,
          ...sample.flags.flat(),
          ...(sample.dash ? ['--', sample.template, ...sample.args] : []),
        ];
        expectCleanEnd(await runInProcess(argv, sample.input), argv);
      }),
      { numRuns: runs(150) },
    );
  });

  it('ends every inventory file in a usage or inventory error, or a run', async () => {
    const line = fc.oneof(
      fc.constantFrom('targets:', 'groups:', 'defaults:', 'all:', '[web]', '[web:children]', 'hosts:'),
      fc.constantFrom('  a: local', '  b: { uri: local, weight: 2 }', '  c: { uri: local, weight: 0 }'),
      fc.constantFrom(
        '  d: ftp://x',
        '  e: ssh://',
        '  local: local',
        '  g: [a, b]',
        '  h: [@g, a]',
        '  i: [@i]',
      ),
      fc.constantFrom(
        '  j: { uri: local, nope: 1 }',
        'a ansible_host=127.0.0.1',
        '- x',
        ': :',
        '\t',
        '{',
        '"',
      ),
      fc.string({ maxLength: 12 }),
    );
    const inventory = fc.record({
      lines: fc.array(line, { maxLength: 8 }),
      name: fc.constantFrom('fanout.yaml', 'hosts.ini', 'hosts'),
      command: fc.constantFrom('targets', 'run'),
      selection: fc.constantFrom('@all', 'a', '@g', 'a*', 'a[1-2]', '@web'),
    });
    await fc.assert(
      fc.asyncProperty(inventory, async (sample) => {
        const file = join(dir, sample.name);
        writeFileSync(file, sample.lines.join('\n'));
        const argv = [sample.command, '-i', file, sample.selection, '--progress', 'none', '--', 'true'];
        const run = await runInProcess(sample.command === 'targets' ? argv.slice(0, 4) : argv);
        expectCleanEnd(run, [...argv, ...sample.lines]);
      }),
      { numRuns: runs(80) },
    );
  });

  it('records one joblog line for every job, whatever the input lines hold', async () => {
    const bytes = fc.oneof(
      fc.string({ maxLength: 12 }).map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 12 }).map((array) => Buffer.from(array)),
      fc.constantFrom(
        Buffer.from('\0'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('\x1b[2J'),
        Buffer.from('\'"$(x)`'),
      ),
    );
    const lines = fc.array(bytes, { minLength: 1, maxLength: 6 });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(lines, fc.constantFrom('tag', 'group', 'json'), async (pieces, output) => {
        const joblog = join(dir, `input-${(round += 1)}.log`);
        const argv = ['jobs', 'local', '--joblog', joblog, '--output', output, '--progress', 'none'];
        argv.push('--', 'printf "%s\\n" {}');
        const input = Buffer.concat(pieces.flatMap((piece) => [piece, Buffer.from('\n')]));
        const run = await runInProcess(argv, input);
        expectCleanEnd(run, [...argv, input.toString('hex')]);
        const summary = /fanout: (\d+) jobs? in/.exec(run.stderr);
        expect(summary, run.stderr).not.toBeNull();
        const total = Number(summary![1]);
        const recorded = existsSync(joblog)
          ? readFileSync(joblog, 'utf8').split('\n').filter(Boolean).length - 1
          : 0;
        expect(recorded, run.stderr).toBe(total);
      }),
      { numRuns: runs(60) },
    );
  });
});
