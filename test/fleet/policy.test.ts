import { describe, expect, it } from 'vitest';
import {
  batchSizes,
  isThresholdReached,
  parseBatches,
  parseHalt,
  validatePolicy,
} from '../../src/fleet/policy.js';

const tally = (
  failed: number,
  started: number,
  total?: number,
  more: { timeout?: number; unreachable?: number } = {},
) => ({
  failed,
  timeout: more.timeout ?? 0,
  unreachable: more.unreachable ?? 0,
  started,
  total,
});

describe('parseHalt', () => {
  it.each([
    ['never', { halt: 'never' }],
    ['soon', { halt: 'soon' }],
    ['now,fail=1', { halt: 'now', threshold: 1 }],
    ['soon,fail=3', { halt: 'soon', threshold: 3 }],
    ['now,fail=10%', { halt: 'now', threshold: '10%' }],
    ['soon,fail=2.5%', { halt: 'soon', threshold: '2.5%' }],
  ])('parses %s', (text, policy) => {
    expect(parseHalt(text)).toEqual(policy);
  });

  it.each(['', 'later', 'now,fail=0', 'now,fail=-1', 'now,fail=150%', 'now,succeed=1', 'now,'])(
    'rejects %j',
    (text) => {
      expect(() => parseHalt(text)).toThrow(TypeError);
    },
  );
});

describe('parseBatches', () => {
  it('parses counts and percentages', () => {
    expect(parseBatches('1,5,25%')).toEqual([1, 5, '25%']);
  });
  it.each(['', '0', '1,,2', 'x', '1,0%'])('rejects %j', (text) => {
    expect(() => parseBatches(text)).toThrow(TypeError);
  });
});

describe('batchSizes', () => {
  it.each([
    [[1, 5, '25%'], 20, [1, 5, 5, 5, 4]],
    [[1, '50%'], 5, [1, 3, 1]],
    [[2], 5, [2, 2, 1]],
    [['10%'], 3, [1, 1, 1]],
    [[100], 4, [4]],
    [[3], 0, []],
  ] as const)('splits %j of %d jobs into %j', (spec, total, sizes) => {
    expect([...batchSizes(spec, total)]).toEqual(sizes);
  });

  it('repeats the last count forever when the total is unknown', () => {
    const sizes = batchSizes([1, 3], undefined);
    expect([sizes.next().value, sizes.next().value, sizes.next().value]).toEqual([1, 3, 3]);
  });
});

describe('isThresholdReached', () => {
  it.each([
    [{ halt: 'never' }, tally(10, 10, 10), false],
    [{ halt: 'now' }, tally(0, 5, 10), false],
    [{ halt: 'now' }, tally(1, 5, 10), true],
    [{ halt: 'soon', threshold: 3 }, tally(2, 5), false],
    [{ halt: 'soon', threshold: 3 }, tally(1, 5, undefined, { timeout: 1, unreachable: 1 }), true],
    [
      { halt: 'soon', threshold: 3, counts: ['failed'] },
      tally(1, 5, undefined, { timeout: 1, unreachable: 1 }),
      false,
    ],
    [{ halt: 'now', threshold: '50%' }, tally(1, 4, 4), false],
    [{ halt: 'now', threshold: '50%' }, tally(2, 4, 4), true],
    [{ halt: 'now', threshold: '10%' }, tally(1, 1, 20), false],
    [{ halt: 'now', threshold: '10%' }, tally(1, 5, undefined), true],
  ] as const)('%j with %j → %s', (policy, counts, reached) => {
    expect(isThresholdReached(policy, counts)).toBe(reached);
  });
});

describe('validatePolicy', () => {
  it.each([
    { halt: 'sometimes' },
    { halt: 'now', threshold: 0 },
    { halt: 'now', counts: ['crashed'] },
    { halt: 'now', batches: [] },
    { halt: 'now', batches: [1, 0] },
  ])('rejects %j', (policy) => {
    expect(() => validatePolicy(policy as never)).toThrow(TypeError);
  });
});
