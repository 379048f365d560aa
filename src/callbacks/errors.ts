import { KieWatcherError } from '../errors.js';

/**
 * Why a callback was refused. Each maps to one HTTP status (see {@link CallbackRejectedError.status}):
 * 405 `method-not-allowed`; 415 `unsupported-media-type`; 413 `body-too-large`; 400 `malformed-body`,
 * `no-task-id`, `invalid-task-id`; 401 `missing-signature`, `duplicate-header`, `malformed-timestamp`,
 * `stale-timestamp`, `future-timestamp`, `bad-signature`; 500 `body-unavailable` (a middleware consumed the
 * request body and left nothing readable: a mounting mistake, not the sender's).
 */
export type CallbackRejectionReason =
  | 'method-not-allowed'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'malformed-body'
  | 'no-task-id'
  | 'invalid-task-id'
  | 'missing-signature'
  | 'duplicate-header'
  | 'malformed-timestamp'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'bad-signature'
  | 'body-unavailable';

/** The HTTP status a handler answers for each {@link CallbackRejectionReason}. */
export type CallbackRejectionStatus = 400 | 401 | 405 | 413 | 415 | 500;

const STATUS: Readonly<Record<CallbackRejectionReason, CallbackRejectionStatus>> = {
  'method-not-allowed': 405,
  'unsupported-media-type': 415,
  'body-too-large': 413,
  'malformed-body': 400,
  'no-task-id': 400,
  'invalid-task-id': 400,
  // Everything about the signature headers is an authentication failure, whatever the detail.
  'missing-signature': 401,
  'duplicate-header': 401,
  'malformed-timestamp': 401,
  'stale-timestamp': 401,
  'future-timestamp': 401,
  'bad-signature': 401,
  'body-unavailable': 500,
};

const DETAIL: Readonly<Record<CallbackRejectionReason, string>> = {
  'method-not-allowed': 'only POST is accepted',
  'unsupported-media-type': 'the content type is not JSON',
  'body-too-large': 'the body is over the size cap',
  'malformed-body': 'the body is not a JSON object',
  'no-task-id': 'the body names no data.taskId or data.task_id',
  'invalid-task-id': 'the taskId is not 1 to 128 characters of A-Z a-z 0-9 _ . : - (no ..)',
  'missing-signature': 'X-Webhook-Timestamp or X-Webhook-Signature is missing',
  'duplicate-header': 'X-Webhook-Timestamp or X-Webhook-Signature was sent more than once',
  'malformed-timestamp': 'X-Webhook-Timestamp is not an integer number of seconds',
  'stale-timestamp': 'X-Webhook-Timestamp is older than the tolerance',
  'future-timestamp': 'X-Webhook-Timestamp is further in the future than the tolerance',
  'bad-signature': 'X-Webhook-Signature does not match this taskId and timestamp',
  'body-unavailable': 'the request body was consumed before the handler ran and left nothing readable',
};

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
    super(`KIE callback rejected (${reason}): ${DETAIL[reason]}`, { taskId });
    this.reason = reason;
    this.status = STATUS[reason];
  }
}
