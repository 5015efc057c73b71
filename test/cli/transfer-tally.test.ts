import { describe, expect, it } from 'vitest';
import { describeProgress, formatProgressFrame } from '../../src/cli/render/progress-frame.js';
import { ProgressTracker } from '../../src/cli/render/progress-tracker.js';
import { palette } from '../../src/cli/render/screen.js';
import { TransferTally } from '../../src/cli/render/transfer-tally.js';

const report = (bytes: number, files: number) => ({
  bytes,
  files,
  totalBytes: undefined,
  totalFiles: undefined,
  path: '',
});

describe('TransferTally', () => {
  it('adds up what each transfer reports, however many run at once', () => {
    const tally = new TransferTally(0);
    const a = tally.follow();
    const b = tally.follow();
    a(report(1000, 0));
    b(report(500, 1));
    a(report(3000, 2));
    expect(tally).toMatchObject({ bytes: 3500, files: 3 });
  });

  it('counts again what a retried transfer sends again', () => {
    const tally = new TransferTally(0);
    tally.follow()(report(2000, 1));
    tally.follow()(report(2000, 1));
    expect(tally).toMatchObject({ bytes: 4000, files: 2 });
  });

  it('describes bytes, their rate and files', () => {
    const tally = new TransferTally(0);
    tally.follow()(report(3_400_000, 12));
    expect(tally.describe(2000)).toBe('3.4 MB (1.7 MB/s), 12 files');
  });

  it('puts bytes and files on the plain progress line and the bar, after the job counts', () => {
    const tracker = new ProgressTracker(8, undefined, undefined, 0);
    const transfers = new TransferTally(0);
    transfers.follow()(report(560_176, 48));
    const context = { label: (target: string) => target, now: 1000, final: true, transfers };
    expect(describeProgress(tracker, palette(false), context)).toBe(
      '0/8 done, 0 failed, 0 running, 0.0/s, 560.2 kB (560.2 kB/s), 48 files',
    );
    expect(formatProgressFrame(tracker, context)[0]).toContain('0.0/s, 560.2 kB (560.2 kB/s), 48 files');
  });
});
