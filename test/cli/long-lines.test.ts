import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('fanout with very long output lines', { timeout: 120_000 }, () => {
  it('delivers a 20 MB line without a newline whole, cut into pieces of at most 1 MiB', async () => {
    const size = 20_000_000;
    const run = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '--',
      `head -c ${size} /dev/zero | tr '\\000' a # {}`,
      ':::',
      'x',
    ]);
    expect(run.code).toBe(0);
    const pieces = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice('local #1: '.length));
    expect(pieces.length).toBe(Math.ceil(size / (1024 * 1024)));
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(1024 * 1024);
    expect(pieces.reduce((sum, piece) => sum + piece.length, 0)).toBe(size);
    expect(pieces.every((piece) => /^a+$/.test(piece))).toBe(true);
  });

  it('says once per job, on stderr, that a line was cut, and marks the pieces in json', async () => {
    const job = `head -c 3000000 /dev/zero | tr '\\000' a; echo; echo short # {}`;
    const tagged = await runCli(['jobs', 'local', '--progress', 'none', '--', job, ':::', 'x', 'y']);
    expect(tagged.code).toBe(0);
    const notes = tagged.stderr.split('\n').filter((line) => line.includes('was cut'));
    expect(notes.sort()).toEqual([
      'fanout: local #1: a stdout line longer than 1048576 characters was cut into pieces of that length',
      'fanout: local #2: a stdout line longer than 1048576 characters was cut into pieces of that length',
    ]);
    const json = await runCli([
      'jobs',
      'local',
      '--progress',
      'none',
      '--output',
      'json',
      '--',
      job,
      ':::',
      'x',
    ]);
    const outputs = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; line: string; cut?: boolean })
      .filter((record) => record.type === 'output');
    expect(outputs.map((record) => [record.line.length, record.cut ?? false])).toEqual([
      [1048576, true],
      [1048576, true],
      [3000000 - 2 * 1048576, false],
      ['short'.length, false],
    ]);
  });
});
