import { describe, expect, it } from 'vitest';
import {
  Channel,
  encodeClose,
  encodeFrames,
  parseExecStatus,
} from '../../../src/targets/kubernetes/protocol.js';

describe('encodeFrames', () => {
  it('prefixes the payload with the channel byte', () => {
    expect(encodeFrames(Channel.stdin, Buffer.from('hi'))).toEqual([Buffer.from([0, 0x68, 0x69])]);
  });

  it('splits payloads larger than 64 KiB and keeps every byte in order', () => {
    const data = Buffer.alloc(150_000, 7).fill(9, 65_536);
    const frames = encodeFrames(Channel.stdin, data);
    expect(frames.map((frame) => frame.length)).toEqual([65_537, 65_537, 150_000 - 131_072 + 1]);
    expect(frames.every((frame) => frame[0] === 0)).toBe(true);
    expect(Buffer.concat(frames.map((frame) => frame.subarray(1))).equals(data)).toBe(true);
  });

  it('sends nothing for an empty payload', () => {
    expect(encodeFrames(Channel.stdin, Buffer.alloc(0))).toEqual([]);
  });
});

describe('encodeClose', () => {
  it('is the v5 close message for the channel', () => {
    expect(encodeClose(Channel.stdin)).toEqual(Buffer.from([255, 0]));
  });
});

const nonZero = (message: unknown) =>
  JSON.stringify({
    status: 'Failure',
    reason: 'NonZeroExitCode',
    message: 'command terminated with non-zero exit code',
    details: { causes: [{ reason: 'ExitCode', message }] },
  });

describe('parseExecStatus', () => {
  it.each([
    ['{"metadata":{},"status":"Success"}', { kind: 'exited', exitCode: 0 }],
    [nonZero('3'), { kind: 'exited', exitCode: 3 }],
    [nonZero('137'), { kind: 'exited', exitCode: 137 }],
    [
      '{"status":"Failure","reason":"InternalError","message":"exec: \\"sh\\": executable file not found"}',
      { kind: 'failed', reason: 'InternalError', message: 'exec: "sh": executable file not found' },
    ],
  ])('reads %s', (text, outcome) => {
    expect(parseExecStatus(text)).toEqual(outcome);
  });

  it.each([
    ['not json', 'text that is not JSON'],
    ['null', 'JSON null'],
    ['{}', 'a Status without status'],
    ['{"status":"Pending"}', 'an unknown status'],
    [nonZero(undefined), 'NonZeroExitCode without an ExitCode cause'],
    [nonZero('x'), 'an ExitCode that is not a number'],
    [nonZero('-1'), 'a negative ExitCode'],
  ])('gives no outcome for %s (%s), never exit 0', (text) => {
    expect(parseExecStatus(text)).toBeUndefined();
  });
});
