import type { CallbackError, WatchError, WatchTimeoutError } from './errors.js';
import type { FamilyRef, KnownFamilyId, RecordOf } from './families/index.js';

/** The family id a family reference names: the id itself, or a custom family's `id`. */
export type FamilyIdOf<F extends FamilyRef> = F extends string
  ? F
  : F extends {
        /** A custom family's id. */
        readonly id: infer I extends string;
      }
    ? I
    : string;

/** What `waitForCompletion` resolves with, and what `completed` events carry. */
export interface WatchResult<F extends FamilyRef = 'gpt4o-image'> {
  /** The task that succeeded. */
  readonly taskId: string;
  /** Its family id; {@link isFamily} on a result narrows `record` by it. */
  readonly family: FamilyIdOf<F>;
  /** Always `'SUCCESS'`: the watcher's verdict. The provider's own status text is in `record`. */
  readonly status: 'SUCCESS';
  /** The family's primary media URLs (4o/Veo/Luma images and videos, Suno `audioUrl`s, Runway `videoUrl`, ...). */
  readonly resultUrls: readonly string[];
  /** Always 1. */
  readonly progress: 1;
  /** Epoch ms, or `null` when the provider sent none. Times without a zone are read as UTC. */
  readonly createTime: number | null;
  /** Epoch ms, or `null` when the provider sent none (Runway and market records often have none). */
  readonly completeTime: number | null;
  /**
   * Epoch ms after which the provider no longer keeps the files: `createTime` plus the family's retention (14
   * days, Midjourney 15; without a `createTime`, from `completeTime` or from when the success was seen). The
   * `resultUrls` themselves "typically expire after 24 hours": keep the files (`watcher.download`) and the
   * `taskId`, never the links.
   */
  readonly expiresAt: number;
  /** The task's creation parameters (`paramJson` / `param`), parsed; `null` when missing or not JSON. */
  readonly params: unknown;
  /** The family's validated, normalized record (Suno tracks, Veo origin URLs, ...). */
  readonly record: RecordOf<F>;
}

/** The watcher's reading of a record: still running, or final one way or the other. */
export type TaskState = 'pending' | 'success' | 'failure';

/**
 * A task's progress rose, its status text changed, or it reached a final state (then `state` says which, and
 * the `completed` / `failed` event follows).
 */
export interface ProgressEvent<F extends FamilyRef = FamilyRef> {
  /** The task. */
  readonly taskId: string;
  /** Its family id; {@link isFamily} narrows `record` by it. */
  readonly family: FamilyIdOf<F>;
  /** 0..1, never lower than a value already reported for this task (1 once it succeeded). */
  readonly progress: number;
  /** The provider's own status text, as sent (`GENERATING`, `queuing`, ...); `null` when the record has none. */
  readonly status: string | null;
  /** The watcher's reading: `success` / `failure` in the last event, just before `completed` / `failed`. */
  readonly state: TaskState;
  /** The family's validated, normalized record from this answer (`unknown` until narrowed with {@link isFamily}). */
  readonly record: RecordOf<F>;
}

/** A task succeeded: the same result `waitForCompletion` resolves with. */
export interface CompletedEvent {
  /** The task. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The result; `isFamily(e.result, 'suno')` narrows `e.result.record` to the family's record. */
  readonly result: WatchResult<FamilyRef>;
}

/** A watch ended with an error other than a timeout or an abort: the same error the task's waiters reject with. */
export interface FailedEvent {
  /** The task. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** `TaskFailedError`, `KieApiError`, `InvalidResponseError` or `TransportError`. */
  readonly error: WatchError;
}

/** The last interest in a task reached its deadline: the watcher stopped polling it. Not a task failure. */
export interface TimeoutEvent {
  /** The task. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The last expiring interest's error: its `timeoutMs`, and where the task stood (`lastStatus`, `lastProgress`, `lastRetryReason`). */
  readonly error: WatchTimeoutError;
}

/** A transient failure (5xx, network error, unreadable answer, task not visible yet): the task is polled again after `delayMs`. */
export interface RetryEvent {
  /** The task. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** Consecutive failed attempts for this task, 1 for the first retry. */
  readonly attempt: number;
  /** ms until the next attempt (backoff with jitter, never below the per-task spacing). */
  readonly delayMs: number;
  /** Short, key-free description: `HTTP 503`, `body code 455: maintenance`, `ECONNRESET`, ... */
  readonly reason: string;
}

/**
 * A 429 answer. Every 429 emits one with scope `task`; one that the watcher reads as account-wide (an HTTP 429,
 * or 429s for two tasks within a second) emits a second one with scope `account`.
 */
export interface RateLimitedEvent {
  /** The task whose request got the 429. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** `task`: only this task slows down; `account`: every task pauses for `delayMs`. */
  readonly scope: 'task' | 'account';
  /** ms this task (scope `task`) or every task (scope `account`) waits: `Retry-After` when given (capped at `retry.maxDelayMs`), else the backoff. */
  readonly delayMs: number;
  /** Where the 429 came from: the HTTP status or the body `code`. */
  readonly source: 'http' | 'body';
}

/** The fleet coordinator (Redis) became unusable, or usable again. */
export interface CoordinatorEvent {
  /** `down`: no task is polled (there is no shared limiter to ask); deadlines still run. `up`: polling resumes. */
  readonly status: 'up' | 'down';
  /** Why it went down (key-free), `null` when it came back. */
  readonly reason: string | null;
}

/** The events a `TaskWatcher` emits, with their payloads. */
export interface TaskWatcherEvents {
  /** Progress rose, the status text changed, or the task reached a final state. */
  progress: [ProgressEvent];
  /** A task succeeded. */
  completed: [CompletedEvent];
  /** A task's watch ended with a {@link WatchError} (not a timeout, not an abort). */
  failed: [FailedEvent];
  /** A task's last interest reached its deadline. */
  timeout: [TimeoutEvent];
  /** A transient failure; the task is retried. */
  retry: [RetryEvent];
  /** A 429 slowed a task, or paused every task. */
  rateLimited: [RateLimitedEvent];
  /** No task is pending any more (after the last `completed` / `failed` / `timeout`). */
  idle: [];
  /** With a `coordinator`: Redis went down (polling paused) or came back. */
  coordinator: [CoordinatorEvent];
  /** Your code threw inside the watcher (a listener, `onProgress`, a policy, a limiter, a store). Unhandled, Node throws it. */
  error: [CallbackError];
}

/** One item of `watcher.updates(taskId)`. */
export type TaskUpdate<F extends FamilyRef = 'gpt4o-image'> =
  | {
      /** Progress rose or the status changed (as a `progress` event). */
      readonly type: 'progress';
      /** The task. */
      readonly taskId: string;
      /** 0..1, never lower than before. */
      readonly progress: number;
      /** The provider's status text, `null` when the record has none. */
      readonly status: string | null;
      /** The watcher's reading of the record. */
      readonly state: TaskState;
    }
  | {
      /** The task succeeded: the last item. */
      readonly type: 'completed';
      /** The task. */
      readonly taskId: string;
      /** What `waitForCompletion` would resolve with. */
      readonly result: WatchResult<F>;
    };

/** Counters since the watcher was made (`pending`, `inFlight` and `cached` are current values). */
export interface WatcherStats {
  /** Tasks being watched. */
  readonly pending: number;
  /** Requests sent and not answered yet (never more than `maxInFlight`, nor `connections`). */
  readonly inFlight: number;
  /** Requests sent, retries included. */
  readonly requests: number;
  /** Answers that were a readable record. */
  readonly polls: number;
  /** Retries scheduled after transient failures (each also a `retry` event). */
  readonly retries: number;
  /** 429 answers. */
  readonly rateLimited: number;
  /** Tasks that succeeded. */
  readonly completed: number;
  /** Tasks whose watch ended with an error (each also a `failed` event). */
  readonly failed: number;
  /** Tasks whose last interest reached its deadline. */
  readonly timedOut: number;
  /** Tasks whose last interest was aborted by its signal, or whose `updates()` loop was left early. */
  readonly aborted: number;
  /** Settled outcomes kept for late waiters. */
  readonly cached: number;
}

/**
 * Narrows a value that carries `family` and `record` (a {@link ProgressEvent}, a {@link WatchResult}, so also a
 * completed event's `e.result`) to one built-in family's record type:
 * `if (isFamily(e, 'suno')) e.record.response?.sunoData`.
 */
export function isFamily<
  F extends KnownFamilyId,
  E extends {
    /** The value's family id. */
    readonly family: string;
    /** Its record (a completed event has none of its own: pass `e.result`). */
    readonly record: unknown;
  },
>(
  event: E,
  family: F,
): event is E & {
  /** The family asked about. */
  readonly family: F;
  /** Its record type. */
  readonly record: RecordOf<F>;
} {
  return event.family === family;
}
