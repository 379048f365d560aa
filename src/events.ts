import type { CallbackError, WatchError, WatchTimeoutError } from './errors.js';
import type { FamilyRef, KnownFamilyId, RecordOf } from './families/index.js';

/** The family id a family reference names: the id itself, or a custom family's `id`. */
export type FamilyIdOf<F extends FamilyRef> = F extends string ? F : F extends { readonly id: infer I extends string } ? I : string;

/** What `waitForCompletion` resolves with, and what `completed` events carry. */
export interface WatchResult<F extends FamilyRef = 'gpt4o-image'> {
  readonly taskId: string;
  readonly family: FamilyIdOf<F>;
  /** Always `'SUCCESS'`: the watcher's verdict. The provider's own status text is in `record`. */
  readonly status: 'SUCCESS';
  /** The family's primary media URLs (4o/Veo/Luma images and videos, Suno `audioUrl`s, Runway `videoUrl`, ...). */
  readonly resultUrls: readonly string[];
  readonly progress: 1;
  /** Epoch ms, or `null` when the provider sent none. Times without a zone are read as UTC. */
  readonly createTime: number | null;
  readonly completeTime: number | null;
  /** The task's creation parameters (`paramJson` / `param`), parsed; `null` when missing or not JSON. */
  readonly params: unknown;
  /** The family's validated, normalized record (Suno tracks, Veo origin URLs, ...). */
  readonly record: RecordOf<F>;
}

/** The watcher's reading of a record: still running, or final one way or the other. */
export type TaskState = 'pending' | 'success' | 'failure';

export interface ProgressEvent<F extends FamilyRef = FamilyRef> {
  readonly taskId: string;
  readonly family: FamilyIdOf<F>;
  /** 0..1, never lower than a value already reported for this task (1 once it succeeded). */
  readonly progress: number;
  /** The provider's own status text, as sent (`GENERATING`, `queuing`, ...); `null` when the record has none. */
  readonly status: string | null;
  /** The watcher's reading: `success` / `failure` in the last event, just before `completed` / `failed`. */
  readonly state: TaskState;
  readonly record: RecordOf<F>;
}

export interface CompletedEvent {
  readonly taskId: string;
  readonly family: string;
  readonly result: WatchResult<FamilyRef>;
}

export interface FailedEvent {
  readonly taskId: string;
  readonly family: string;
  /** `TaskFailedError`, `KieApiError`, `InvalidResponseError` or `TransportError`. */
  readonly error: WatchError;
}

export interface TimeoutEvent {
  readonly taskId: string;
  readonly family: string;
  readonly error: WatchTimeoutError;
}

export interface RetryEvent {
  readonly taskId: string;
  readonly family: string;
  /** Consecutive failed attempts for this task, 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Short, key-free description: `HTTP 503`, `body code 455: maintenance`, `ECONNRESET`, ... */
  readonly reason: string;
}

export interface RateLimitedEvent {
  readonly taskId: string;
  readonly family: string;
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
  /** No task is pending any more (after the last `completed` / `failed` / `timeout`). */
  idle: [];
  /** Your code threw inside the watcher (a listener, `onProgress`, a policy, a limiter, a store). Unhandled, Node throws it. */
  error: [CallbackError];
}

/** One item of `watcher.updates(taskId)`. */
export type TaskUpdate<F extends FamilyRef = 'gpt4o-image'> =
  | { readonly type: 'progress'; readonly taskId: string; readonly progress: number; readonly status: string | null; readonly state: TaskState }
  | { readonly type: 'completed'; readonly taskId: string; readonly result: WatchResult<F> };

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

/** Narrows an event's `record` to its family's type: `if (isFamily(e, 'suno')) e.record.response?.sunoData`. */
export function isFamily<F extends KnownFamilyId, E extends { readonly family: string }>(event: E, family: F): event is E & { readonly family: F; readonly record: RecordOf<F> } {
  return event.family === family;
}
