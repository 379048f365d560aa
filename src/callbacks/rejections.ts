import { TASK_ID_RULE } from '../validate.js';

/**
 * Why a callback was refused. Each maps to one HTTP status (see `CallbackRejectedError.status`):
 * 405 `method-not-allowed`; 415 `unsupported-media-type`; 413 `body-too-large`; 400 `malformed-body`,
 * `no-task-id`, `invalid-task-id`; 401 `missing-signature`, `duplicate-header`, `malformed-timestamp`,
 * `stale-timestamp`, `future-timestamp`, `bad-signature`; 408 `body-timeout` (the body did not arrive within
 * `bodyTimeoutMs`); 500 `body-unavailable` (a middleware consumed the
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
  | 'body-unavailable'
  | 'body-timeout';

/** The HTTP status a handler answers for each {@link CallbackRejectionReason}. */
export type CallbackRejectionStatus = 400 | 401 | 405 | 408 | 413 | 415 | 500;

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
  'body-timeout': 408,
};

const DETAIL: Readonly<Record<CallbackRejectionReason, string>> = {
  'method-not-allowed': 'only POST is accepted',
  'unsupported-media-type': 'the content type is not JSON',
  'body-too-large': 'the body is over the size cap',
  'malformed-body': 'the body is not a JSON object (or is nested more than 64 deep)',
  'no-task-id': 'the body names no data.taskId or data.task_id',
  'invalid-task-id': `the taskId is not ${TASK_ID_RULE}`,
  'missing-signature': 'X-Webhook-Timestamp or X-Webhook-Signature is missing',
  'duplicate-header': 'X-Webhook-Timestamp or X-Webhook-Signature was sent more than once',
  'malformed-timestamp': 'X-Webhook-Timestamp is not an integer number of seconds',
  'stale-timestamp': 'X-Webhook-Timestamp is older than the tolerance',
  'future-timestamp': 'X-Webhook-Timestamp is further in the future than the tolerance',
  'bad-signature': 'X-Webhook-Signature does not match this taskId and timestamp',
  'body-unavailable': 'the request body was consumed before the handler ran and left nothing readable',
  'body-timeout': 'the request body did not arrive in time',
};

/** The HTTP status a handler answers for `reason`. */
export function rejectionStatus(reason: CallbackRejectionReason): CallbackRejectionStatus {
  return STATUS[reason];
}

/** What `reason` means, in words a sender can act on (never the key, the signature or the body). */
export function rejectionDetail(reason: CallbackRejectionReason): string {
  return DETAIL[reason];
}
