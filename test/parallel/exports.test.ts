import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as fanout from '../../src/index.js';
import * as parallel from '../../src/parallel/index.js';

const directory = fileURLToPath(new URL('../../src/parallel/', import.meta.url));

describe('fanout/parallel exports', () => {
  it('pins every runtime export, so API changes show up in review', () => {
    expect(Object.keys(parallel).sort()).toEqual(
      [
        'AimdLimit',
        'ConcurrencyLimiter',
        'DynamicConcurrency',
        'GradientLimit',
        'LoadBalancer',
        'ParallelExecutor',
        'ParallelProgress',
        'ProgressTracker',
        'RoundRobinDistributor',
        'TaskBatcher',
        'VisualProgress',
        'assignRoundRobin',
        'computeBackoff',
        'createAbortError',
        'failSafe',
        'fastFail',
        'formatProgressBar',
        'formatProgressLine',
        'limit',
        'normalizeRetryOptions',
        'parallelMap',
        'parallelMapIterable',
        'parallelReduce',
        'pickLeastLoaded',
        'retry',
        'toError',
      ].sort(),
    );
  });

  it('re-exports all of it from fanout, with $.parallel on the root shell', () => {
    for (const name of Object.keys(parallel))
      expect(fanout[name as keyof typeof fanout]).toBe(parallel[name as keyof typeof parallel]);
    expect(Object.keys(fanout.$.parallel).sort()).toEqual(['all', 'map', 'race', 'settled']);
  });

  it('knows nothing of shells or targets: no module under src/parallel imports them', () => {
    for (const file of readdirSync(directory)) {
      const source = readFileSync(`${directory}${file}`, 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      expect(
        imports.filter((path) => /\/(shell|targets|dollar)/.test(path!)),
        file,
      ).toEqual([]);
    }
  });
});
