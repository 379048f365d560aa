export { TaskWatcher, type WaitOptions, type WatchOptions } from './watcher.js';
export {
  KieWatcherError,
  TaskFailedError,
  WatchTimeoutError,
  AbortError,
  KieApiError,
  InvalidResponseError,
  TransportError,
  WatcherClosedError,
  type KieWatcherErrorCode,
  type ResponseIssue,
} from './errors.js';
export type {
  TaskWatcherEvents,
  ProgressEvent,
  CompletedEvent,
  FailedEvent,
  TimeoutEvent,
  RetryEvent,
  RateLimitedEvent,
  TaskUpdate,
  WatchResult,
  WatcherStats,
} from './events.js';
export { DEFAULTS, type TaskWatcherOptions, type RetryOptions } from './options.js';
export { ADAPTIVE, adaptivePolicy, type PollingPolicy, type PollingPolicyFunction, type PollState } from './policy.js';
export type { TaskRecord, KnownTaskStatus } from './record.js';
export { MemoryTaskRateLimiter, MemoryPendingTaskStore, type TaskRateLimiter, type PendingTaskStore, type PendingTaskInfo } from './stores.js';
export { gcraTake, gcraMaxInWindow, paramsForWindow, type GcraParams, type GcraDecision } from './gcra.js';
export type { Clock } from './clock.js';
export { VERSION } from './version.js';
