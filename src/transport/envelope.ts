import type { ResponseIssue } from '../errors.js';
import type { FamilyVerdict, TaskFamily } from '../families/family.js';
import type { RawAnswer } from './client.js';

/**
 * What one answer means for the task, as a tagged union the engine switches on. The record verdicts
 * (pending / success / failure / invalid) come from the task's family; everything else is the envelope's,
 * the same for every family.
 */
export type PollOutcome =
  | FamilyVerdict<unknown>
  /** 404/422 "record is null" or `data: null`: normal right after creation, so retried for a grace period. */
  | { readonly kind: 'unknown-task'; readonly providerCode: number; readonly providerMessage: string }
  | { readonly kind: 'rate-limited'; readonly scope: 'http' | 'body'; readonly retryAfterMs: number | null }
  | { readonly kind: 'transient'; readonly reason: string; readonly httpStatus: number; readonly providerCode: number | null }
  /** Body code 501, "generation failed" in the provider's docs: the task failed, without a record. */
  | { readonly kind: 'task-failed'; readonly providerCode: number; readonly providerMessage: string }
  | { readonly kind: 'fatal'; readonly providerCode: number; readonly providerMessage: string; readonly httpStatus: number; readonly accountWide: boolean }
  | { readonly kind: 'invalid-answer'; readonly reason: string; readonly issues: readonly ResponseIssue[]; readonly httpStatus: number };

/** Body codes that stop every task: the key or the account is unusable. */
const ACCOUNT_FATAL_CODES = new Set([401, 402]);
/** 505 "feature disabled" is a 5xx that retrying cannot fix; 501 is a task failure (below). */
const FINAL_5XX = new Set([501, 505]);

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

export interface Envelope {
  readonly code: number;
  readonly msg: string;
  readonly hasData: boolean;
  readonly data: unknown;
  readonly retryAfter: unknown;
}

/**
 * `{code, msg|message, data?}`. Hand-read rather than schema-parsed: it is four fields on the hot path, and the
 * provider's error bodies often have no `data` key at all (captured live: `{"code":401,"msg":"..."}`).
 */
export function readEnvelope(json: unknown): Envelope | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  const raw = o['code'];
  const code = typeof raw === 'number' && Number.isInteger(raw) ? raw : typeof raw === 'string' && /^\d{3}$/.test(raw) ? Number(raw) : null;
  if (code === null) return null;
  const msg = typeof o['msg'] === 'string' ? o['msg'] : typeof o['message'] === 'string' ? o['message'] : '';
  return { code, msg, hasData: Object.hasOwn(o, 'data'), data: o['data'], retryAfter: o['retryAfter'] };
}

/**
 * Turns one answer into a {@link PollOutcome}. Never throws: anything it cannot read is invalid. The HTTP
 * status is checked first (proxies and CDNs answer in HTML, and a 401/403 means the key whatever the body
 * says), then the body `code`, then the family reads the record.
 */
export function classifyAnswer(res: RawAnswer, family: TaskFamily, taskId: string, retryAfterCapMs: number, nowEpochMs: number): PollOutcome {
  const http = res.statusCode;
  if (http === 401 || http === 403) {
    const env = safeEnvelope(res.body);
    return { kind: 'fatal', providerCode: http, providerMessage: env?.msg || `HTTP ${http}`, httpStatus: http, accountWide: true };
  }
  if (http === 429) return { kind: 'rate-limited', scope: 'http', retryAfterMs: parseRetryAfter(res.retryAfter, nowEpochMs, retryAfterCapMs) };
  if (http >= 500 || http === 408) return { kind: 'transient', reason: `HTTP ${http}`, httpStatus: http, providerCode: null };
  if (http >= 300 && http < 400) {
    // Redirects are never followed: following one would send the key to wherever it points.
    return { kind: 'invalid-answer', reason: `unexpected redirect (HTTP ${http})`, issues: [], httpStatus: http };
  }

  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    if (http >= 400) return { kind: 'fatal', providerCode: http, providerMessage: `HTTP ${http} without a JSON body`, httpStatus: http, accountWide: false };
    return { kind: 'invalid-answer', reason: 'body is not JSON', issues: [], httpStatus: http };
  }
  const env = readEnvelope(json);
  if (env === null) {
    if (http >= 400) return { kind: 'fatal', providerCode: http, providerMessage: `HTTP ${http}`, httpStatus: http, accountWide: false };
    return { kind: 'invalid-answer', reason: 'body is not a {code, msg, data} envelope', issues: [{ path: ['code'], message: 'missing or not a 3-digit code' }], httpStatus: http };
  }
  if (env.code !== 200) return classifyBodyCode(env, http, res, nowEpochMs, retryAfterCapMs);
  if (http !== 200) {
    // A body claiming success behind an error status is contradictory; do not trust either half.
    return { kind: 'invalid-answer', reason: `body code 200 with HTTP ${http}`, issues: [], httpStatus: http };
  }
  if (env.data === null || env.data === undefined) return { kind: 'unknown-task', providerCode: 200, providerMessage: env.hasData ? 'data is null' : 'no data' };
  return family.read(env.data, taskId);
}

function classifyBodyCode(env: Envelope, http: number, res: RawAnswer, nowEpochMs: number, capMs: number): PollOutcome {
  const { code, msg } = env;
  if (ACCOUNT_FATAL_CODES.has(code)) return { kind: 'fatal', providerCode: code, providerMessage: msg, httpStatus: http, accountWide: true };
  if (code === 429) {
    // Some answers carry the delay in the body (`retryAfter`, seconds) instead of a header.
    const header = parseRetryAfter(res.retryAfter, nowEpochMs, capMs);
    const body = typeof env.retryAfter === 'number' || typeof env.retryAfter === 'string' ? parseRetryAfter(String(env.retryAfter), nowEpochMs, capMs) : null;
    return { kind: 'rate-limited', scope: 'body', retryAfterMs: header ?? body };
  }
  if (code === 404 || code === 422) return { kind: 'unknown-task', providerCode: code, providerMessage: msg };
  if (code === 501) return { kind: 'task-failed', providerCode: code, providerMessage: msg };
  if (code === 408 || code === 455 || (code >= 500 && code < 600 && !FINAL_5XX.has(code))) {
    return { kind: 'transient', reason: `body code ${code}${msg ? `: ${msg}` : ''}`, httpStatus: http, providerCode: code };
  }
  return { kind: 'fatal', providerCode: code, providerMessage: msg, httpStatus: http, accountWide: false };
}

/** {@link readEnvelope} of a body text; `null` when it is not JSON. */
export function safeEnvelope(body: string): Envelope | null {
  try {
    return readEnvelope(JSON.parse(body));
  } catch {
    return null;
  }
}
