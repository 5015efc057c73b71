export { $, type RootShell } from './dollar.js';
export { createShell, type Shell } from './shell/shell.js';
export { ProcessPromise } from './shell/process-promise.js';
export { ProcessResult, type ProcessResultFields } from './shell/result.js';
export { within, type ShellOptions } from './shell/options.js';
export { parseDuration, type Duration } from './internal/duration.js';
export { quote } from './internal/quote.js';
export { Secret, registerSecret, redactSecrets, hasSecrets } from './internal/secrets.js';
export type { ParallelCommand, ParallelOptions, ParallelFailure, SettledCommands } from './shell/parallel.js';
export { createShellWorker, type ShellTask } from './shell/workers.js';
export {
  FanoutError,
  CommandError,
  TimeoutError,
  MaxBufferError,
  ConnectionError,
  SpawnError,
  type ErrorCode,
  type FanoutErrorOptions,
} from './errors.js';
export type { Target, SpawnRequest, RunningCommand, OutputFlow, ExitStatus } from './targets/target.js';
export { LocalTarget, localTarget } from './targets/local.js';
export { resolveTarget } from './targets/resolve.js';
export * from './targets/ssh/index.js';
export * from './targets/docker/index.js';
export * from './targets/kubernetes/index.js';
export { upload, download, type TransferResult, type TransferTarget } from './transfer/transfer.js';
export type { TransferOptions, TransferProgress } from './transfer/options.js';
export { TransferError } from './transfer/transfer-error.js';
export { createTransferJobTarget, type TransferAction } from './transfer/job-target.js';
export { createJobFilesTarget, placeJobPath, type JobFiles, type PlacedPath } from './transfer/job-files.js';
export * from './parallel/index.js';
export * from './fleet/index.js';
export {
  TARGET_KINDS,
  localKind,
  findTargetKind,
  getTargetKind,
  createTargetOfKind,
  type TargetKindRow,
  type TargetScheme,
} from './targets/registry.js';
export {
  openQueue,
  resolveQueueSource,
  submitRun,
  runWorker,
  followRun,
  runStatus,
  readAttempts,
  cancelRun,
  listRuns,
  type Queue,
  type QueueSource,
  type OpenQueueOptions,
  type RunSpec,
  type SubmitOptions,
  type SubmittedRun,
  type WorkerOptions,
  type WorkerEvent,
  type WorkerSummary,
  type FollowOptions,
  type RunStatus,
  type RunRow,
  type RunState,
  type RunStop,
  type AttemptRecord,
} from './queue/index.js';
