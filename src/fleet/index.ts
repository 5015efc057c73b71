export { distribute } from './distribute.js';
export { runOn } from './run-on.js';
export type { FleetJobInput } from './job.js';
export { normalizeMembers, type FleetMember, type FleetTarget } from './members.js';
export { resolveFleetOptions, retryDelay, type FleetOptions } from './options.js';
export type { AdaptiveLimitOptions } from './target-limit.js';
export {
  batchSizes,
  isThresholdReached,
  parseBatches,
  parseHalt,
  validatePolicy,
  type BatchSize,
  type FailureKind,
  type FailurePolicy,
  type FailureTally,
  type HaltMode,
} from './policy.js';
export type { FleetCounts, FleetReport, JobReport, JobStage } from './report.js';
export type {
  BatchEndEvent,
  FleetEvent,
  HaltEvent,
  JobEndEvent,
  JobOutputEvent,
  JobRef,
  JobRetryEvent,
  JobSkipEvent,
  JobStartEvent,
  TargetDownEvent,
  TargetLimitEvent,
} from './events.js';
export { expandTemplate } from './input/template.js';
export { parseTemplate, type TemplateContext, type TemplatePart } from './template.js';
export {
  closeMatches,
  kindOf,
  loadInventory,
  parseInventory,
  type Inventory,
  type InventoryOptions,
  type TargetKind,
  type TargetSpec,
} from './inventory.js';
export { expandRange, selectTargets } from './selection.js';
export { createTargets } from './create-targets.js';
export {
  formatJoblogLine,
  jobsToSkip,
  JOBLOG_HEADER,
  openJoblog,
  readJoblog,
  type JoblogEntry,
  type JoblogWriter,
} from './journal/joblog.js';
