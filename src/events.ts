import type { KieWatcherError, WatchTimeoutError } from './errors.js';
import type { TaskRecord } from './record.js';

/** What `waitForCompletion` resolves with, and what `completed` events carry. */
export interface WatchResult {
  readonly taskId: string;
  readonly status: 'SUCCESS';
  readonly resultUrls: readonly string[];
  readonly progress: 1;
  /** Epoch ms, or `null` when the provider sent none. */
  readonly createTime: number | null;
  readonly completeTime: number | null;
  /** `paramJson` parsed (`null` when missing or not JSON). */
  readonly params: unknown;
  /** The validated, normalized record. */
  readonly record: TaskRecord;
}

export interface ProgressEvent {
  readonly taskId: string;
  /** 0..1, never lower than a value already reported for this task. */
  readonly progress: number;
  /** The provider's status string: `GENERATING` or an undocumented one while running; the final status (`SUCCESS` with progress 1, or a failure) in the last event, just before `completed`/`failed`. */
  readonly status: string;
  readonly record: TaskRecord;
}

export interface CompletedEvent {
  readonly taskId: string;
  readonly result: WatchResult;
}

export interface FailedEvent {
  readonly taskId: string;
  /** `TaskFailedError`, `KieApiError`, `InvalidResponseError` or `TransportError`. */
  readonly error: KieWatcherError;
}

export interface TimeoutEvent {
  readonly taskId: string;
  readonly error: WatchTimeoutError;
}

export interface RetryEvent {
  readonly taskId: string;
  /** Consecutive failed attempts for this task, 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Short, key-free description: `HTTP 503`, `body code 455: maintenance`, `ECONNRESET`, ... */
  readonly reason: string;
}

export interface RateLimitedEvent {
  readonly taskId: string;
  /** `task`: only this task slows down; `account`: every task pauses for `delayMs`. */
  readonly scope: 'task' | 'account';
  readonly delayMs: number;
  /** Where the 429 came from: the HTTP status or the body `code`. */
  readonly source: 'http' | 'body';
}

/** The events a `TaskWatcher` emits, with their payloads. */
export interface TaskWatcherEvents {
  progress: [ProgressEvent];
  completed: [CompletedEvent];
  failed: [FailedEvent];
  timeout: [TimeoutEvent];
  retry: [RetryEvent];
  rateLimited: [RateLimitedEvent];
  /** No task is pending any more. */
  idle: [];
}

/** One item of `watcher.updates(taskId)`. */
export type TaskUpdate =
  | { readonly type: 'progress'; readonly taskId: string; readonly progress: number; readonly status: string }
  | { readonly type: 'completed'; readonly taskId: string; readonly result: WatchResult };

export interface WatcherStats {
  /** Tasks being watched. */
  readonly pending: number;
  readonly inFlight: number;
  /** Requests sent, retries included. */
  readonly requests: number;
  /** Answers that were a readable record. */
  readonly polls: number;
  readonly retries: number;
  readonly rateLimited: number;
  readonly completed: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  /** Settled outcomes kept for late waiters. */
  readonly cached: number;
}
