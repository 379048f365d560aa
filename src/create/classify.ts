import type { CreateEndpoint } from '../families/family.js';
import type { RawAnswer } from '../transport/client.js';
import { parseRetryAfter, safeEnvelope } from '../transport/envelope.js';

/** What one create answer means. */
export type CreateOutcome =
  /** Created (and billed): the task exists. */
  | { readonly kind: 'created'; readonly taskId: string }
  /** Refused before creating anything for a rate limit: safe to send again, later. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number | null; readonly reason: string }
  /** Refused: nothing was created, and sending it again would be refused again (401, 402, 422, ...). */
  | { readonly kind: 'refused'; readonly providerCode: number; readonly message: string; readonly httpStatus: number; readonly credits: boolean; readonly accountWide: boolean }
  /** The answer does not say whether a task was created: it may exist, and be billed. */
  | { readonly kind: 'unknown'; readonly reason: string; readonly httpStatus: number | null; readonly providerCode: number | null };

/**
 * Body codes that the provider documents as refusals of the request itself: nothing is created. 500, 501 and
 * any code not listed here are unknown outcomes (public clients report bills after error answers).
 */
const REFUSALS = new Set([400, 401, 402, 403, 404, 405, 413, 422, 455, 505]);

/**
 * Reads a create answer. The rule that keeps a create from being billed twice lives here: only an answer
 * that proves nothing was created is `rate-limited` (the one kind retried) or `refused`; every other answer
 * is `unknown`.
 */
export function classifyCreate(res: RawAnswer, endpoint: CreateEndpoint<unknown>, nowEpochMs: number, retryAfterCapMs: number): CreateOutcome {
  const http = res.statusCode;
  if (http === 429) return { kind: 'rate-limited', retryAfterMs: parseRetryAfter(res.retryAfter, nowEpochMs, retryAfterCapMs), reason: 'HTTP 429' };
  const body = safeEnvelope(res.body);
  if (http === 401 || http === 403) {
    return { kind: 'refused', providerCode: http, message: body?.msg || `HTTP ${http}`, httpStatus: http, credits: false, accountWide: true };
  }
  if (http !== 200) {
    // A proxy's 5xx or 408 may sit behind a create that went through; a 4xx from the origin refused the request.
    if (http >= 500 || http === 408 || http < 400) return { kind: 'unknown', reason: `HTTP ${http}`, httpStatus: http, providerCode: body?.code ?? null };
    if (body === null) return { kind: 'refused', providerCode: http, message: `HTTP ${http}`, httpStatus: http, credits: false, accountWide: false };
  }
  if (body === null) return { kind: 'unknown', reason: 'body is not a {code, msg, data} envelope', httpStatus: http, providerCode: null };
  const { code, msg } = body;
  if (code === 200 && http !== 200) return { kind: 'unknown', reason: `body code 200 with HTTP ${http}`, httpStatus: http, providerCode: 200 };
  if (code === 200) {
    const data = body.data;
    const taskId = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)['taskId'] : undefined;
    if (typeof taskId === 'string' && taskId.length > 0) return { kind: 'created', taskId };
    return { kind: 'unknown', reason: 'code 200 without a taskId', httpStatus: http, providerCode: 200 };
  }
  const meaning = endpoint.refusal?.(code, msg) ?? (code === 429 ? 'rate-limited' : code === 402 ? 'credits' : undefined);
  if (meaning === 'rate-limited') {
    const retryAfter = body.retryAfter;
    const header = parseRetryAfter(res.retryAfter, nowEpochMs, retryAfterCapMs);
    const inBody = typeof retryAfter === 'number' || typeof retryAfter === 'string' ? parseRetryAfter(String(retryAfter), nowEpochMs, retryAfterCapMs) : null;
    return { kind: 'rate-limited', retryAfterMs: header ?? inBody, reason: `body code ${code}` };
  }
  if (meaning === 'credits') return { kind: 'refused', providerCode: 402, message: msg || 'insufficient credits', httpStatus: http, credits: true, accountWide: false };
  if (REFUSALS.has(code)) return { kind: 'refused', providerCode: code, message: msg, httpStatus: http, credits: false, accountWide: code === 401 };
  return { kind: 'unknown', reason: `body code ${code}${msg ? `: ${msg}` : ''}`, httpStatus: http, providerCode: code };
}
