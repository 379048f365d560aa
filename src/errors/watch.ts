import { KieWatcherError, type BaseOptions } from './base.js';

/** What the provider's record says about a failed task. */
export interface TaskFailure {
  /** The task that failed. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The record's own final status (`GENERATE_FAILED`, `fail`, ...); `null` when only a flag says it failed. */
  readonly status: string | null;
  /** The record's `successFlag` (2, 3, ...), `null` for families without one or a failure without a record. */
  readonly successFlag: number | null;
  /** The provider's error code for the task: `errorCode`, `failCode` (kept as a text when not numeric), or the body code (501). */
  readonly errorCode: number | string | null;
  /** The provider's message (`errorMessage`, `failMsg`, or the body's `msg`), key redacted; `null` when it sent none. */
  readonly errorMessage: string | null;
  /** The family's normalized record; `null` when the failure came as a body code without a record (501). */
  readonly record: unknown;
}

/**
 * The provider finished the task without a result: a failed status (`CREATE_TASK_FAILED`, `GENERATE_FAILED`,
 * `fail`, ...), a failing `successFlag` (2, 3), or body code 501 ("generation failed").
 */
export class TaskFailedError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_TASK_FAILED';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_TASK_FAILED' as const;
  /** The record's own final status, `null` when the record had none (a failing `successFlag` alone). */
  readonly status: string | null;
  /** The record's `successFlag` (2 create failed, 3 generation failed or refused, ...); `null` for families that have none, or without a record. */
  readonly successFlag: number | null;
  /**
   * The provider's error code for the task (4o image: 400 content policy, 451 download failed, 500 internal; market and
   * Runway: `failCode`, a text when not numeric; 501 for a body code 501); `null` when it sent none.
   */
  readonly errorCode: number | string | null;
  /** The provider's message for the failure, with the API key redacted if it was echoed; `null` when it sent none. */
  readonly errorMessage: string | null;
  /** The family's normalized record (cast it with `RecordOf`), `null` when the failure came without one (body code 501). */
  readonly record: unknown;

  constructor(failure: TaskFailure) {
    const what = failure.status ?? (failure.successFlag === null ? 'a failure' : `successFlag ${failure.successFlag}`);
    const code = failure.errorCode === null ? '' : ` (errorCode ${failure.errorCode})`;
    const detail = failure.errorMessage ? `: ${failure.errorMessage}` : '';
    super(`task ${failure.taskId} ended with ${what}${code}${detail}`, { taskId: failure.taskId, family: failure.family });
    this.status = failure.status;
    this.successFlag = failure.successFlag;
    this.errorCode = failure.errorCode;
    this.errorMessage = failure.errorMessage;
    this.record = failure.record;
  }
}

/** Where a watch stood when its deadline passed. */
export interface WatchTimeoutDetails {
  /** The task's family id. */
  readonly family?: string | undefined;
  /** The last status the provider sent, `null` if none yet (or the records have none). */
  readonly lastStatus: string | null;
  /** The highest progress seen (0..1), `null` if none was reported. */
  readonly lastProgress: number | null;
  /** Why the last attempt failed (`ECONNREFUSED`, `HTTP 503`, ...), `null` if the last answer was a record. */
  readonly lastRetryReason?: string | null | undefined;
}

/**
 * The watcher's own deadline passed. This says nothing about the task, which may still finish:
 * never re-submit it on this error (each submission is billed); watch it again instead.
 */
export class WatchTimeoutError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_WATCH_TIMEOUT';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_WATCH_TIMEOUT' as const;
  /** The deadline that passed, in ms from when this wait (or watch) started. */
  readonly timeoutMs: number;
  /** The provider's last status text for the task; `null` if no record came yet, or the family's records carry none. */
  readonly lastStatus: string | null;
  /** The highest progress seen (0..1); `null` if the records reported none. */
  readonly lastProgress: number | null;
  /** Why the last attempt failed (`ECONNREFUSED`, `HTTP 503`, `body code 429`, ...); `null` if the last answer was a readable record. */
  readonly lastRetryReason: string | null;

  /** `taskId` is `undefined` when a `generate()` deadline passed while its create waited for the creation limit: nothing was sent. */
  constructor(taskId: string | undefined, timeoutMs: number, details: WatchTimeoutDetails) {
    if (taskId === undefined) {
      super(`gave up after ${timeoutMs} ms waiting for the creation limit; no request was sent, nothing was created`, { family: details.family });
      this.timeoutMs = timeoutMs;
      this.lastStatus = null;
      this.lastProgress = null;
      this.lastRetryReason = details.lastRetryReason ?? null;
      return;
    }
    const where =
      details.lastRetryReason != null
        ? `last attempt failed: ${details.lastRetryReason}`
        : `last status ${details.lastStatus ?? 'none'}, progress ${details.lastProgress ?? 'none'}`;
    super(`stopped watching task ${taskId} after ${timeoutMs} ms (${where}); the task itself may still finish`, { taskId, family: details.family });
    this.timeoutMs = timeoutMs;
    this.lastStatus = details.lastStatus;
    this.lastProgress = details.lastProgress;
    this.lastRetryReason = details.lastRetryReason ?? null;
  }
}

/** The caller's `signal` aborted the wait. `cause` is the signal's reason. Named `AbortError` like the platform's. */
export class AbortError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_ABORTED';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_ABORTED' as const;

  /** `taskId` is `undefined` when a create was aborted while it waited for the creation limit: nothing was sent. */
  constructor(taskId: string | undefined, reason: unknown, family?: string) {
    super(taskId === undefined ? 'creating a task was aborted before its request was sent; nothing was created' : `waiting for task ${taskId} was aborted`, { taskId, family, cause: reason });
    this.name = 'AbortError';
  }
}

/**
 * The provider answered with a code that stops watching: 401 (bad key), 402 (no credits), HTTP 401/403, a task
 * that stayed unknown (404/422, `data: null`) past the grace period, or another non-retryable code.
 */
export class KieApiError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_API_ERROR';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_API_ERROR' as const;
  /** The provider's code: the body `code`, or the HTTP status when the body had none. */
  readonly providerCode: number;
  /** The provider's `msg` / `message` (or a description when the body had none); a key echoed in it is redacted. */
  readonly providerMessage: string;
  /** The HTTP status of the answer (the provider usually sends 200 with the real code in the body). */
  readonly httpStatus: number;
  /** `true` for 401/402 and HTTP 401/403: the key or the account is unusable, so every task stopped. */
  readonly accountWide: boolean;

  constructor(options: BaseOptions & { providerCode: number; providerMessage: string; httpStatus: number; accountWide?: boolean; message?: string }) {
    super(options.message ?? `KIE API answered ${options.providerCode}: ${options.providerMessage}`, options);
    this.providerCode = options.providerCode;
    this.providerMessage = options.providerMessage;
    this.httpStatus = options.httpStatus;
    this.accountWide = options.accountWide ?? false;
  }
}

/** One schema issue, as zod reports it (path into the body, message). */
export interface ResponseIssue {
  /** Where in the body, e.g. `['data', 'response', 'resultUrls']`. */
  readonly path: readonly PropertyKey[];
  /** What is wrong there. */
  readonly message: string;
}

/** The response stayed invalid (unparseable, schema mismatch, SUCCESS without URLs, too large) after the allowed retries. */
export class InvalidResponseError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_INVALID_RESPONSE';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_INVALID_RESPONSE' as const;
  /** What was wrong with the last answer (schema issues); empty when it was not JSON, too large, or a redirect. */
  readonly issues: readonly ResponseIssue[];
  /** The HTTP status of the last invalid answer. */
  readonly httpStatus: number | null;

  constructor(taskId: string, reason: string, issues: readonly ResponseIssue[], httpStatus: number | null, family?: string) {
    super(`invalid response for task ${taskId}: ${reason}`, { taskId, family });
    this.issues = issues;
    this.httpStatus = httpStatus;
  }
}

/** The network kept failing (refused, reset, timed out, HTTP 5xx) for more consecutive attempts than allowed. */
export class TransportError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_TRANSPORT_ERROR';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_TRANSPORT_ERROR' as const;
  /** Consecutive failed attempts when the watcher gave up (`retry.maxConsecutiveErrors`). `cause` is the last failure. */
  readonly attempts: number;

  /** `taskId` is `undefined` for a create that could not be sent (connection refused every time, its key not stored): nothing was sent. */
  constructor(taskId: string | undefined, attempts: number, cause: unknown, family?: string) {
    super(
      taskId === undefined
        ? `giving up on a create after ${attempts} failed attempt${attempts === 1 ? '' : 's'} to send it; no request was sent, nothing was created`
        : `giving up on task ${taskId} after ${attempts} consecutive failed request${attempts === 1 ? '' : 's'}${hostNotFound(cause)}`,
      { taskId, family, cause },
    );
    this.attempts = attempts;
  }
}

/** `close()` was called while this wait was outstanding. */
export class WatcherClosedError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_WATCHER_CLOSED';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_WATCHER_CLOSED' as const;

  constructor(taskId?: string, family?: string) {
    super(taskId === undefined ? 'the watcher is closed' : `the watcher was closed while waiting for task ${taskId}`, { taskId, family });
  }
}

/** `: host X does not resolve (ENOTFOUND)` when the last failure was a DNS miss: the likeliest cause is a misspelt `baseUrl`. */
function hostNotFound(cause: unknown): string {
  const c = cause as { code?: unknown; hostname?: unknown } | null;
  return typeof c === 'object' && c !== null && c.code === 'ENOTFOUND' && typeof c.hostname === 'string' ? `: the API host ${c.hostname} does not resolve (ENOTFOUND)` : '';
}
