import type { TaskRecord } from './record.js';

/** Every error kie-watcher raises has one of these stable `code`s. */
export type KieWatcherErrorCode =
  | 'KIE_TASK_FAILED'
  | 'KIE_WATCH_TIMEOUT'
  | 'KIE_ABORTED'
  | 'KIE_API_ERROR'
  | 'KIE_INVALID_RESPONSE'
  | 'KIE_TRANSPORT_ERROR'
  | 'KIE_WATCHER_CLOSED'
  | 'KIE_CALLBACK_REJECTED';

interface BaseOptions {
  readonly taskId?: string | undefined;
  readonly cause?: unknown;
}

/** Base class of every kie-watcher error: check `err instanceof KieWatcherError` or switch on `err.code`. */
export abstract class KieWatcherError extends Error {
  abstract readonly code: KieWatcherErrorCode;
  /** The task the error is about; `undefined` only for watcher-wide errors raised before a task was known. */
  readonly taskId: string | undefined;

  constructor(message: string, options: BaseOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.taskId = options.taskId;
  }
}

/** The provider finished the task without a result: `CREATE_TASK_FAILED`, `GENERATE_FAILED`, or successFlag 2/3. */
export class TaskFailedError extends KieWatcherError {
  readonly code = 'KIE_TASK_FAILED' as const;
  /** The record's `status` (`GENERATE_FAILED` when the record only had a failing successFlag). */
  readonly status: string;
  readonly successFlag: number | null;
  /** The provider's `errorCode` for the task (400 content policy, 451 download failed, 500 internal, ...). */
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly record: TaskRecord;

  constructor(record: TaskRecord & { readonly taskId: string }, status: string) {
    const detail = record.errorMessage ? `: ${record.errorMessage}` : '';
    super(`task ${record.taskId} ended with ${status}${record.errorCode === null ? '' : ` (errorCode ${record.errorCode})`}${detail}`, {
      taskId: record.taskId,
    });
    this.status = status;
    this.successFlag = record.successFlag;
    this.errorCode = record.errorCode;
    this.errorMessage = record.errorMessage;
    this.record = record;
  }
}

/**
 * The watcher's own deadline passed. This says nothing about the task, which may still finish:
 * never re-submit it on this error (each submission is billed); watch it again instead.
 */
export class WatchTimeoutError extends KieWatcherError {
  readonly code = 'KIE_WATCH_TIMEOUT' as const;
  readonly timeoutMs: number;
  /** The last status seen from the provider, `null` if no record was seen yet. */
  readonly lastStatus: string | null;
  /** The highest progress seen (0..1), `null` if none was reported. */
  readonly lastProgress: number | null;

  constructor(taskId: string, timeoutMs: number, lastStatus: string | null, lastProgress: number | null) {
    super(
      `stopped watching task ${taskId} after ${timeoutMs} ms (last status ${lastStatus ?? 'unknown'}, progress ${lastProgress ?? 'unknown'}); the task itself may still finish`,
      { taskId },
    );
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
    this.lastProgress = lastProgress;
  }
}

/** The caller's `signal` aborted the wait. `cause` is the signal's reason. Named `AbortError` like the platform's. */
export class AbortError extends KieWatcherError {
  readonly code = 'KIE_ABORTED' as const;

  constructor(taskId: string, reason: unknown) {
    super(`waiting for task ${taskId} was aborted`, { taskId, cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * The provider answered with a code that stops watching: 401 (bad key), 402 (no credits), a task that stayed
 * unknown (404/422, `data: null`) past the grace period, or another non-retryable code.
 */
export class KieApiError extends KieWatcherError {
  readonly code = 'KIE_API_ERROR' as const;
  /** The provider's code: the body `code`, or the HTTP status when the body had none. */
  readonly providerCode: number;
  /** The provider's `msg` (or a description when the body had none). */
  readonly providerMessage: string;
  readonly httpStatus: number;

  constructor(options: BaseOptions & { providerCode: number; providerMessage: string; httpStatus: number; message?: string }) {
    super(options.message ?? `KIE API answered ${options.providerCode}: ${options.providerMessage}`, options);
    this.providerCode = options.providerCode;
    this.providerMessage = options.providerMessage;
    this.httpStatus = options.httpStatus;
  }
}

/** One schema issue, as zod reports it (path into the body, message). */
export interface ResponseIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The response stayed invalid (unparseable, schema mismatch, SUCCESS without URLs, too large) after the allowed retries. */
export class InvalidResponseError extends KieWatcherError {
  readonly code = 'KIE_INVALID_RESPONSE' as const;
  readonly issues: readonly ResponseIssue[];
  readonly httpStatus: number | null;

  constructor(taskId: string, reason: string, issues: readonly ResponseIssue[], httpStatus: number | null, cause?: unknown) {
    super(`invalid response for task ${taskId}: ${reason}`, { taskId, cause });
    this.issues = issues;
    this.httpStatus = httpStatus;
  }
}

/** The network kept failing (refused, reset, timed out, HTTP 5xx) for more consecutive attempts than allowed. */
export class TransportError extends KieWatcherError {
  readonly code = 'KIE_TRANSPORT_ERROR' as const;
  readonly attempts: number;

  constructor(taskId: string, attempts: number, cause: unknown) {
    super(`giving up on task ${taskId} after ${attempts} consecutive failed requests`, { taskId, cause });
    this.attempts = attempts;
  }
}

/** `close()` was called while this wait was outstanding. */
export class WatcherClosedError extends KieWatcherError {
  readonly code = 'KIE_WATCHER_CLOSED' as const;

  constructor(taskId?: string) {
    super(taskId === undefined ? 'the watcher is closed' : `the watcher was closed while waiting for task ${taskId}`, { taskId });
  }
}
