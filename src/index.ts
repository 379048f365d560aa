export {
  TaskWatcher,
  type WaitOptions,
  type WatchOptions,
  type UpdatesOptions,
  type CloseOptions,
  type CloseResult,
  type SubmitOptions,
  type SubmitResult,
  type GenerateOptions,
  type WaitDownloadOptions,
  type WatchResultWithFiles,
} from './watcher.js';
export { downloadResult } from './download/result.js';
export { DownloadError, type DownloadFailureReason, type DownloadFailure } from './errors.js';
export { DOWNLOAD_DEFAULTS, type DownloadOptions, type DownloadResultOptions, type DownloadableResult, type DownloadedFile } from './download/types.js';
export {
  KieWatcherError,
  TaskFailedError,
  WatchTimeoutError,
  AbortError,
  KieApiError,
  InvalidResponseError,
  TransportError,
  WatcherClosedError,
  SubmitUnknownError,
  CallbackError,
  CallbackRejectedError,
  FleetUnavailableError,
  isKieWatcherError,
  type CallbackRejectionReason,
  type CallbackRejectionStatus,
  type KieWatcherErrorCode,
  type WatchError,
  type AnyKieWatcherError,
  type ResponseIssue,
  type TaskFailure,
  type WatchTimeoutDetails,
  type SubmitUnknownDetails,
} from './errors.js';
export {
  isFamily,
  type TaskWatcherEvents,
  type CoordinatorEvent,
  type ProgressEvent,
  type CompletedEvent,
  type FailedEvent,
  type TimeoutEvent,
  type RetryEvent,
  type RateLimitedEvent,
  type TaskUpdate,
  type TaskState,
  type FamilyIdOf,
  type WatchResult,
  type WatcherStats,
} from './events.js';
export {
  DEFAULT_FAMILY,
  FAMILIES,
  defineFamily,
  resolveFamily,
  type FamilyRef,
  type KnownFamilyId,
  type FamilyRecords,
  type RecordOf,
  type TaskFamily,
  type FamilyVerdict,
  type RecordView,
  type FailureInfo,
  type FamilyDefinition,
  type NormalizingFamilyDefinition,
  type FamilyClassification,
  type FamilyResult,
  type RecordSchema,
  type SchemaIssue,
  type Gpt4oImageRecord,
  type MarketRecord,
  type MarketResult,
  type VeoRecord,
  type VeoResponse,
  type FluxKontextRecord,
  type RunwayRecord,
  type RunwayVideoInfo,
  type LumaRecord,
  type SunoRecord,
  type SunoTrack,
  type MidjourneyRecord,
  type FamilyInputs,
  type InputOf,
  type CreateEndpoint,
  type CreateDefinition,
  type Gpt4oImageInput,
  type MarketInput,
  type VeoInput,
  type FluxKontextInput,
  type RunwayInput,
  type LumaInput,
  type SunoInput,
  type MidjourneyInput,
} from './families/index.js';
export { DEFAULTS, type TaskWatcherOptions, type RetryOptions, type SubmitLimit } from './options.js';
export type { LoggerLike } from './logger.js';
export { ADAPTIVE, SAFETY_NET, LEARNED, LearnedPolicy, type ObservedEnd, type ScheduleInput, FAMILY_PRIORS, DEFAULT_PRIOR, adaptivePolicy, optimalSchedule, empiricalCurve, evaluateSchedule, type AgeSchedule, type ScheduleOptions, type ScheduleReplay, type DurationPrior, type SurvivalCurve, type PollingPolicy, type PollingPolicyFunction, type PollState } from './policy/index.js';
export { MemoryTaskRateLimiter, type TaskRateLimiter } from './limits/task-limiter.js';
export { MemoryPendingTaskStore, type PendingTaskStore, type PendingTaskInfo, type SubmitKeyRecord } from './stores/pending-store.js';
export type { KeyBook, KeyRecord } from './create/keys.js';
export type { CreationLimit, SlotDecision } from './create/window.js';
export { FilePendingTaskStore, type FilePendingTaskStoreOptions, type FilePendingTaskStoreStats } from './stores/file-pending-store.js';
export type { Coordinator, CoordinatorParams, CreateCoordinatorParams, CreateFleet, FleetStore, FleetHeartbeat, TaskKey, Report, Claim, TickResult, RegisterOutcome, PendingTask, FleetMessage, FleetStatus } from './fleet/coordinator.js';
export { gcraTake, gcraMaxInWindow, paramsForWindow, type GcraParams, type GcraDecision } from './limits/gcra.js';
export {
  CHANNELS,
  type AnswerKind,
  type PollStartMessage,
  type PollAnswerMessage,
  type TaskSettledMessage,
  type RateLimitedMessage,
} from './diagnostics.js';
export type { Clock } from './clock.js';
export { VERSION } from './version.js';
