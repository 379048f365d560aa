import type { ResponseIssue } from './errors.js';
import { envelopeSchema, normalizeRecord, recordSchema, type TaskRecord } from './record.js';

/** What one HTTP answer means for the task, as a tagged union the scheduler switches on. */
export type PollOutcome =
  | { readonly kind: 'success'; readonly record: TaskRecord }
  | { readonly kind: 'failure'; readonly record: TaskRecord; readonly status: string }
  | { readonly kind: 'pending'; readonly record: TaskRecord; readonly unknownStatus: boolean }
  /** 404/422 "record is null" or `data: null`: normal right after creation, so retried for a grace period. */
  | { readonly kind: 'unknown-task'; readonly providerCode: number; readonly providerMessage: string }
  | { readonly kind: 'rate-limited'; readonly scope: 'http' | 'body'; readonly retryAfterMs: number | null }
  | { readonly kind: 'transient'; readonly reason: string; readonly httpStatus: number; readonly providerCode: number | null }
  | { readonly kind: 'fatal'; readonly providerCode: number; readonly providerMessage: string; readonly httpStatus: number }
  | { readonly kind: 'invalid'; readonly reason: string; readonly issues: readonly ResponseIssue[]; readonly httpStatus: number };

export interface RawResponse {
  readonly statusCode: number;
  /** The `Retry-After` header, if any. */
  readonly retryAfter: string | null;
  readonly body: string;
}

/** Body codes that end watching for every task: the key or the account is unusable. */
const ACCOUNT_FATAL = new Set([401, 402]);
/** 505 "feature disabled" is a 5xx that retrying cannot fix. */
const NON_RETRYABLE_5XX = new Set([505]);
const FAILED_STATUSES = new Set(['CREATE_TASK_FAILED', 'GENERATE_FAILED']);

/** Caps a server-supplied delay: a hostile or broken `Retry-After` must not park a task for days. */
export function parseRetryAfter(value: string | null, nowEpochMs: number, capMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    ms = at - nowEpochMs;
  }
  return Math.min(capMs, Math.max(0, ms));
}

export function isAccountFatal(outcome: PollOutcome): boolean {
  return outcome.kind === 'fatal' && (ACCOUNT_FATAL.has(outcome.providerCode) || outcome.httpStatus === 401 || outcome.httpStatus === 403);
}

function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ResponseIssue[] {
  return issues.map((i) => ({ path: [...i.path], message: i.message }));
}

/**
 * Turns one answer into a {@link PollOutcome}. Never throws: anything it cannot read is `invalid`.
 * The HTTP status is checked first (proxies and CDNs answer in HTML), then the body `code`, then the record.
 */
export function classifyResponse(res: RawResponse, taskId: string, retryAfterCapMs: number, nowEpochMs: number): PollOutcome {
  const http = res.statusCode;
  if (http === 429) {
    return { kind: 'rate-limited', scope: 'http', retryAfterMs: parseRetryAfter(res.retryAfter, nowEpochMs, retryAfterCapMs) };
  }
  if (http >= 500 || http === 408) {
    return { kind: 'transient', reason: `HTTP ${http}`, httpStatus: http, providerCode: null };
  }
  if (http >= 300 && http < 400) {
    // Redirects are never followed: following one would send the key to wherever it points.
    return { kind: 'invalid', reason: `unexpected redirect (HTTP ${http})`, issues: [], httpStatus: http };
  }

  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    if (http === 401 || http === 403 || http === 404 || (http >= 400 && http < 500)) {
      return { kind: 'fatal', providerCode: http, providerMessage: `HTTP ${http} without a JSON body`, httpStatus: http };
    }
    return { kind: 'invalid', reason: 'body is not JSON', issues: [], httpStatus: http };
  }

  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    if (http >= 400) return { kind: 'fatal', providerCode: http, providerMessage: `HTTP ${http}`, httpStatus: http };
    return { kind: 'invalid', reason: 'body is not a {code, msg, data} envelope', issues: zodIssues(envelope.error.issues), httpStatus: http };
  }
  const code = Number(envelope.data.code);
  const msg = envelope.data.msg ?? '';

  if (code !== 200) return classifyBodyCode(code, msg, http, res, nowEpochMs, retryAfterCapMs);
  if (http !== 200) {
    // A body claiming success behind an error status is contradictory; do not trust either half.
    return { kind: 'invalid', reason: `body code 200 with HTTP ${http}`, issues: [], httpStatus: http };
  }

  const data = envelope.data.data;
  if (data === null || data === undefined) return { kind: 'unknown-task', providerCode: 200, providerMessage: 'data is null' };

  const parsed = recordSchema.safeParse(data);
  if (!parsed.success) return { kind: 'invalid', reason: 'record does not match the schema', issues: zodIssues(parsed.error.issues), httpStatus: http };
  if (parsed.data.taskId && parsed.data.taskId !== taskId) {
    return { kind: 'invalid', reason: 'record is for another task', issues: [{ path: ['data', 'taskId'], message: 'does not match the requested taskId' }], httpStatus: http };
  }
  const record = normalizeRecord(parsed.data, taskId);
  return classifyRecord(record, http);
}

function classifyBodyCode(code: number, msg: string, http: number, res: RawResponse, nowEpochMs: number, capMs: number): PollOutcome {
  if (code === 429) return { kind: 'rate-limited', scope: 'body', retryAfterMs: parseRetryAfter(res.retryAfter, nowEpochMs, capMs) };
  if (code === 404 || code === 422) return { kind: 'unknown-task', providerCode: code, providerMessage: msg };
  if (code === 408 || code === 455 || (code >= 500 && code < 600 && !NON_RETRYABLE_5XX.has(code))) {
    return { kind: 'transient', reason: `body code ${code}${msg ? `: ${msg}` : ''}`, httpStatus: http, providerCode: code };
  }
  return { kind: 'fatal', providerCode: code, providerMessage: msg, httpStatus: http };
}

/**
 * Finality follows both fields: successFlag 2/3 is a failure whatever `status` says (moderation refusals
 * come back as 3 with an odd status), and SUCCESS without a result URL is not a success.
 */
export function classifyRecord(record: TaskRecord, http: number): PollOutcome {
  const { status, successFlag } = record;
  if (successFlag === 2 || successFlag === 3 || (status !== null && FAILED_STATUSES.has(status))) {
    return { kind: 'failure', record, status: status !== null && FAILED_STATUSES.has(status) ? status : 'GENERATE_FAILED' };
  }
  if (status === 'SUCCESS' || successFlag === 1) {
    if (record.resultUrls.length === 0) {
      return { kind: 'invalid', reason: 'SUCCESS without a result URL', issues: [{ path: ['data', 'response', 'resultUrls'], message: 'empty' }], httpStatus: http };
    }
    return { kind: 'success', record };
  }
  const unknownStatus = status !== null && status !== 'GENERATING';
  return { kind: 'pending', record, unknownStatus };
}
