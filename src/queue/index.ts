export {
  openQueue,
  redact,
  resolveQueueSource,
  type OpenQueueOptions,
  type Queue,
  type QueueSource,
} from './connect.js';
export { SCHEMA_VERSION } from './schema.js';
export { cancelRun, listRuns, loadRun, type RunRow, type RunState, type RunStop } from './runs.js';
export { createSlotMarker, normalizeRunSpec, type ResolvedRunSpec, type RunSpec } from './spec.js';
export { submitRun, type SubmitOptions, type SubmittedRun } from './submit.js';
export { runWorker, type WorkerEvent, type WorkerOptions, type WorkerSummary } from './worker.js';
export { followRun, type FollowOptions } from './follow.js';
export { runStatus, type RunStatus } from './status.js';
export { readAttempts, type AttemptRecord } from './results.js';
