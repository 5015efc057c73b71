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
});
