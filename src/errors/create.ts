import { KieWatcherError } from './base.js';

/** What {@link SubmitUnknownError} reports about a create whose outcome is unknown. */
export interface SubmitUnknownDetails {
  /** The submit key (yours, or the one made for the call). */
  readonly key: string;
  /** The family whose create endpoint was called. */
  readonly family: string;
  /** Epoch ms when the request was sent; `null` when a record from before a restart did not say. */
  readonly sentAt: number | null;
  /** What was seen instead of an answer (`socket reset`, `HTTP 502`, `body code 500: ...`, `no taskId in data`, ...). */
  readonly reason: string;
  /** The HTTP status of the answer, `null` when none came. */
  readonly httpStatus?: number | null | undefined;
  /** The body `code` of the answer, `null` when none was readable. */
  readonly providerCode?: number | null | undefined;
}

/**
 * A create request was sent and its answer was lost (reset, timeout, HTTP 5xx, body 500/501 or an unknown code,
 * 200 without a `taskId`): the task may exist and be billed. It is never sent again automatically; the same `key`
 * rejects again with this error, without a request, until you have checked (the provider's dashboard, your
 * callback endpoint) and call `submit(..., { key, resubmit: true })`.
 */
export class SubmitUnknownError extends KieWatcherError {
  /** The `code` of every instance; `instanceof` compares it to recognise instances from the package's other build (ESM/CJS). */
  static readonly errorCode = 'KIE_SUBMIT_UNKNOWN';
  /** Discriminant of {@link AnyKieWatcherError}: switch on it. */
  readonly code = 'KIE_SUBMIT_UNKNOWN' as const;
  /** The submit key whose create has an unknown outcome. */
  readonly key: string;
  /** Epoch ms when the request was sent; `null` when unknown (a record from before a restart). */
  readonly sentAt: number | null;
  /** What was seen instead of an answer. */
  readonly reason: string;
  /** The HTTP status of the answer, `null` when none came. */
  readonly httpStatus: number | null;
  /** The body `code` of the answer, `null` when none was readable. */
  readonly providerCode: number | null;

  constructor(details: SubmitUnknownDetails, cause?: unknown) {
    const at = details.sentAt === null ? '' : ` sent at ${new Date(details.sentAt).toISOString()}`;
    super(`the create request for key ${JSON.stringify(details.key)} (${details.family})${at} has an unknown outcome (${details.reason}): the task may exist and be billed; it was not sent again`, {
      family: details.family,
      cause,
    });
    this.key = details.key;
    this.sentAt = details.sentAt;
    this.reason = details.reason;
    this.httpStatus = details.httpStatus ?? null;
    this.providerCode = details.providerCode ?? null;
  }
}
