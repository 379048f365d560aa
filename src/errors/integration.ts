import { rejectionDetail, rejectionStatus, type CallbackRejectionReason, type CallbackRejectionStatus } from '../callbacks/rejections.js';
import type { DownloadedFile } from '../download/types.js';
import { KieWatcherError } from './base.js';

/**
 * Your code threw inside the watcher: an event listener, an `onProgress` callback, a polling policy, a rate
 * limiter or a store. The watcher finished its own work first and carried on; this error reaches you as an
 * `error` event on a later tick (unhandled, Node throws it, as for any `EventEmitter`). `cause` is what was thrown.
 */
export class CallbackError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_CALLBACK_ERROR';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_CALLBACK_ERROR' as const;
  /** Which of your callbacks threw: `"'completed' listener"`, `'onProgress'`, `'policy'`, `'rateLimiter'`, `'store'`. */
  readonly callback: string;

  constructor(callback: string, cause: unknown, taskId?: string, family?: string) {
    super(`${callback} threw${taskId === undefined ? '' : ` (task ${taskId})`}: ${describeThrown(cause)}`, { taskId, family, cause });
    this.callback = callback;
  }
}

function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return String(value);
  } catch {
    return 'a value that cannot be printed';
  }
}

/**
 * A KIE callback was refused. It never carries the HMAC key, the signature or the body: only the reason, the
 * status to answer with and, once it passed validation, the taskId the body named.
 */
export class CallbackRejectedError extends KieWatcherError {
  /** The `code` of every instance, for `instanceof` across copies of the package. */
  static readonly errorCode = 'KIE_CALLBACK_REJECTED';
  /** Always `'KIE_CALLBACK_REJECTED'`; `reason` says why. */
  readonly code = 'KIE_CALLBACK_REJECTED' as const;
  /** Why the callback was refused; `status` follows from it. */
  readonly reason: CallbackRejectionReason;
  /** The HTTP status to answer the sender with. */
  readonly status: CallbackRejectionStatus;

  constructor(reason: CallbackRejectionReason, taskId?: string) {
    super(`KIE callback rejected (${reason}): ${rejectionDetail(reason)}`, { taskId });
    this.reason = reason;
    this.status = rejectionStatus(reason);
  }
}

/**
 * Redis could not be used in time (not connected, timed out, loading, out of memory, ...). The store
 * fails such calls at once instead of queueing them, and reports `down`: poll nothing until it reports
 * `up` again, since polling without the shared limiter could break the per-task rate limit.
 */
export class FleetUnavailableError extends KieWatcherError {
  /** The `code` of every instance, for `instanceof` across copies of the package. */
  static readonly errorCode = 'KIE_FLEET_UNAVAILABLE';
  /** Always `'KIE_FLEET_UNAVAILABLE'`. */
  readonly code = 'KIE_FLEET_UNAVAILABLE' as const;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/**
 * Why a download failed: `link-refused` (the download-url endpoint refused: the URL is not the provider's, the
 * record is past its retention, the file could not be fetched, or the key/credits), `expired` (the file host
 * kept answering 403/404/410 even with fresh links), `http` (another status from the file host), `too-large`
 * (over `maxBytes`), `incomplete` (the body kept ending short of its `content-length`), `network` (resets,
 * timeouts, refused connections past the attempts), `insecure-link` (a link that is not `https:`, and not
 * loopback), `unsafe-path` (the file would land outside `dir`), `filesystem` (writing or renaming failed).
 */
export type DownloadFailureReason = 'link-refused' | 'expired' | 'http' | 'too-large' | 'incomplete' | 'network' | 'insecure-link' | 'unsafe-path' | 'filesystem';

/** The details a {@link DownloadError} carries. */
export interface DownloadFailure {
  /** The task whose file it is. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The result URL that could not be saved. */
  readonly url: string;
  /** Why. */
  readonly reason: DownloadFailureReason;
  /** A short, key-free description. */
  readonly detail: string;
  /** The HTTP status of the last answer, `null` when there was none. */
  readonly httpStatus?: number | null | undefined;
  /** The body `code` of a refusing download-url answer, `null` otherwise. */
  readonly providerCode?: number | null | undefined;
  /** Attempts made for this file. */
  readonly attempts: number;
  /** The files of the same call that were saved before this one failed (they stay on disk). */
  readonly saved?: readonly DownloadedFile[] | undefined;
  /** The last underlying error. */
  readonly cause?: unknown;
}

/** A result file could not be saved. Nothing is left under its final name; `saved` lists the files that were. */
export class DownloadError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_DOWNLOAD_FAILED';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_DOWNLOAD_FAILED' as const;
  /** The result URL that could not be saved. */
  readonly url: string;
  /** Why; see {@link DownloadFailureReason}. */
  readonly reason: DownloadFailureReason;
  /** The HTTP status of the last answer, `null` when there was none. */
  readonly httpStatus: number | null;
  /** The body `code` of a refusing download-url answer, `null` otherwise. */
  readonly providerCode: number | null;
  /** Attempts made for this file. */
  readonly attempts: number;
  /** The files of the same call saved before the failure. */
  readonly saved: readonly DownloadedFile[];

  constructor(f: DownloadFailure) {
    super(`could not save a result file of task ${f.taskId} (${f.reason}): ${f.detail}`, { taskId: f.taskId, family: f.family, cause: f.cause });
    this.url = f.url;
    this.reason = f.reason;
    this.httpStatus = f.httpStatus ?? null;
    this.providerCode = f.providerCode ?? null;
    this.attempts = f.attempts;
    this.saved = f.saved ?? [];
  }
}
