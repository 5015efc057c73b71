import { describe, expect, it } from 'vitest';
import { ClaimSizer, MAX_CLAIM } from '../../src/queue/claim-size.js';

/** A sizer on a clock the test moves: after `ms`, `ended` jobs have ended, then the next claim's size. */
function sizes(concurrency: number, steps: readonly (readonly [ms: number, ended: number])[]): number[] {
  let now = 0;
  const sizer = new ClaimSizer(concurrency, () => now);
  return steps.map(([ms, ended]) => {
    now += ms;
    for (let index = 0; index < ended; index += 1) sizer.ended();
    return sizer.next();
  });
}

describe('ClaimSizer', () => {
  it.each([
    ['claims -j before any job ended', 8, [[0, 0]], [8]],
    [
      'claims about 200 ms of work at the pace of the last 100 ms and more',
      8,
      [
        [0, 0],
        [100, 50],
      ],
      [8, 100],
    ],
    [
      'never claims fewer than -j, however slow the jobs',
      8,
      [
        [0, 0],
        [1000, 8],
      ],
      [8, 8],
    ],
    [
      'never claims more than the cap, however fast the jobs',
      8,
      [
        [0, 0],
        [100, 10_000],
      ],
      [8, MAX_CLAIM],
    ],
    [
      'claims -j when -j is above the cap',
      400,
      [
        [0, 0],
        [100, 10_000],
      ],
      [400, 400],
    ],
    [
      'keeps its size until 100 ms have passed since the last change',
      4,
      [
        [0, 0],
        [100, 20],
        [50, 0],
        [50, 0],
      ],
      [4, 40, 40, 4],
    ],
  ] as const)('%s', (_name, concurrency, steps, expected) => {
    expect(sizes(concurrency, steps)).toEqual(expected);
  });
});
