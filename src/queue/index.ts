export { openQueue, redact, resolveQueueSource, type Queue, type QueueSource } from './connect.js';
export { SCHEMA_VERSION } from './schema.js';
export {
  listRuns,
  loadRun,
  stopRun,
  type RunRow,
  type RunSpec,
  type RunState,
  type RunStop,
} from './runs.js';
export { submitRun, type QueuedJobInput, type SubmitOptions } from './submit.js';
export { runWorker, type WorkerEvent, type WorkerOptions, type WorkerSummary } from './worker.js';
export { followRun, type FollowOptions } from './follow.js';
export { runStatus, type RunStatus } from './status.js';
export { readAttempts, type AttemptRecord } from './results.js';
