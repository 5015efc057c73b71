import { describe, expect, it } from 'vitest';
import * as fanout from '../src/index.js';
import * as parallel from '../src/parallel/index.js';

/** Pins the public API: a change to what fanout exports shows up here, in review. */
describe('exports', () => {
  it('exports exactly these runtime names from fanout', () => {
    expect(Object.keys(fanout).sort()).toMatchInlineSnapshot(`
      [
        "$",
        "AimdLimit",
        "CommandError",
        "ConcurrencyLimiter",
        "ConnectionError",
        "DynamicConcurrency",
        "FanoutError",
        "GradientLimit",
        "JOBLOG_HEADER",
        "LoadBalancer",
        "LocalTarget",
        "MaxBufferError",
        "ParallelExecutor",
        "ParallelProgress",
        "ProcessPromise",
        "ProcessResult",
        "ProgressTracker",
        "RoundRobinDistributor",
        "Secret",
        "SpawnError",
        "TARGET_KINDS",
        "TaskBatcher",
        "TimeoutError",
        "TransferError",
        "VisualProgress",
        "assignRoundRobin",
        "batchSizes",
        "closeMatches",
        "closeSshConnections",
        "computeBackoff",
        "createAbortError",
        "createDockerTarget",
        "createKubernetesTarget",
        "createShell",
        "createShellWorker",
        "createSshTarget",
        "createTargetOfKind",
        "createTargets",
        "createTransferJobTarget",
        "distribute",
        "dockerKind",
        "download",
        "expandRange",
        "expandTemplate",
        "failSafe",
        "fastFail",
        "findTargetKind",
        "formatJoblogLine",
        "formatProgressBar",
        "formatProgressLine",
        "getSshPoolStats",
        "getTargetKind",
        "hasSecrets",
        "isThresholdReached",
        "jobsToSkip",
        "kindOf",
        "kubernetesKind",
        "limit",
        "loadInventory",
        "localKind",
        "localTarget",
        "normalizeMembers",
        "normalizeRetryOptions",
        "openJoblog",
        "parallelMap",
        "parallelMapIterable",
        "parallelReduce",
        "parseBatches",
        "parseDuration",
        "parseHalt",
        "parseInventory",
        "parseTemplate",
        "pickLeastLoaded",
        "quote",
        "readJoblog",
        "redactSecrets",
        "registerSecret",
        "resolveFleetOptions",
        "resolveTarget",
        "retry",
        "retryDelay",
        "runOn",
        "selectTargets",
        "sshKind",
        "toError",
        "upload",
        "validatePolicy",
        "within",
      ]
    `);
  });

  it('exports every name of fanout/parallel from fanout too', () => {
    for (const name of Object.keys(parallel)) expect(fanout).toHaveProperty(name);
  });

  it('gives $ its targets, $.parallel and $.secret', () => {
    expect(Object.keys(fanout.$).sort()).toEqual([
      'docker',
      'k8s',
      'parallel',
      'raw',
      'run',
      'secret',
      'ssh',
      'target',
    ]);
    expect(Object.keys(fanout.$.parallel).sort()).toEqual(['all', 'map', 'race', 'settled']);
  });
});
