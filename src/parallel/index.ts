export { ConcurrencyLimiter, type LimiterOptions, type RunOptions } from './limiter.js';
export { limit, type LimitFunction } from './limit.js';
export { DynamicConcurrency, type DynamicConcurrencyOptions } from './adaptive.js';
export {
  AimdLimit,
  GradientLimit,
  type LimitAlgorithm,
  type LimitBounds,
  type LimitSample,
} from './adaptive-limit.js';
export { RoundRobinDistributor, assignRoundRobin, type DistributorOptions } from './round-robin.js';
export {
  LoadBalancer,
  pickLeastLoaded,
  type LoadBalancerItem,
  type LoadBalancerOptions,
} from './load-balancer.js';
export type { Executor, WorkerFunction } from './worker.js';
export { parallelMap } from './map.js';
export { parallelMapIterable } from './map-iterable.js';
export type { Mapper, ParallelMapOptions } from './map-options.js';
export { parallelReduce, type ParallelReduceOptions } from './reduce.js';
export {
  ProgressTracker,
  type ProgressEvent,
  type ProgressExecuteOptions,
  type ProgressTrackerOptions,
} from './progress.js';
export { ParallelProgress } from './parallel-progress.js';
export { VisualProgress, type ProgressStream, type VisualProgressOptions } from './visual-progress.js';
export { formatProgressBar, formatProgressLine } from './render-progress.js';
export { ParallelExecutor, type ParallelExecutorOptions, type PartialResults } from './executor.js';
export {
  retry,
  computeBackoff,
  normalizeRetryOptions,
  type RetryContext,
  type RetryOptions,
  type RetrySchedule,
} from './retry.js';
export { fastFail, failSafe, toError, type SettleOptions } from './settle.js';
export { TaskBatcher, type BatchProcessor, type TaskBatcherOptions } from './batch.js';
export { createAbortError } from './abort.js';
export type { Task } from './task.js';
