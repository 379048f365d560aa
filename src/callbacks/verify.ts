import { timingSafeEqual } from 'node:crypto';
import { checkNumber, checkTaskId } from '../validate.js';
import { CallbackRejectedError } from '../errors.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signKieCallback } from './sign.js';
import type { HmacKey } from './sign.js';

/**
 * Request headers: `node:http`'s `req.headers` / `req.headersDistinct` (names in any case, values a string or
 * an array when sent more than once) or a Fetch `Headers` object.
 */
export type CallbackHeaders =
  | Readonly<Record<string, string | readonly string[] | number | undefined>>
  | {
      /** A Fetch `Headers` lookup: the header's value, `null` when absent. */
      get(name: string): string | null;
    };

/** What {@link verifyKieCallback} needs: the headers and the body as received. */
export interface VerifyKieCallbackOptions {
  /** The request headers; only `X-Webhook-Timestamp` and `X-Webhook-Signature` are read. */
  readonly headers: CallbackHeaders;
  /** The body exactly as received. Either this or `parsedBody` is required. */
  readonly rawBody?: Uint8Array | string | undefined;
  /**
   * The body already parsed by a framework (`express.json()`), when the raw bytes are gone. KIE signs only the
   * taskId and the timestamp, never the body, so a parsed body verifies exactly as well as the raw one.
   */
  readonly parsedBody?: unknown;
  /**
   * The webhook HMAC key from the KIE dashboard. When given, both signature headers are required and checked;
   * when absent, any callback with a readable taskId is accepted (it is only a hint either way).
   * @default none
   */
  readonly hmacKey?: HmacKey | undefined;
  /** How far `X-Webhook-Timestamp` may be from `now`, into the past or the future. @default 300 */
  readonly toleranceSec?: number | undefined;
  /** Epoch ms. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A callback that passed {@link verifyKieCallback}. */
export interface VerifiedKieCallback {
  /** The task the callback is about (`data.taskId`, or `data.task_id` as one docs page spells it). */
  readonly taskId: string;
  /**
   * The family the body's shape gives away: `'market'` for a `jobs/recordInfo` record, `'suno'` for Suno's
   * `{callbackType, task_id, data}`; absent when the shape does not say (4o image, Flux, Veo look alike).
   */
  readonly family?: string;
  /** The body's `code` (200 success; 400, 451, 500, 501 failures), `null` when it has none. */
  readonly code: number | null;
  /** The verified `X-Webhook-Timestamp` in epoch seconds; `null` when no `hmacKey` was given. */
  readonly timestamp: number | null;
}

/** Default for `toleranceSec`: Stripe's 5 minutes; KIE names none. */
export const DEFAULT_TOLERANCE_SEC = 300;
// Base64 of 32 bytes is 43 characters plus padding; both alphabets are accepted, extra length is a mismatch.
const BASE64 = /^[A-Za-z0-9+/_-]{1,200}={0,2}$/;
const DIGITS = /^\d{1,16}$/;
// A timestamp this large is milliseconds, not seconds (in seconds it would be the year 5138).
const MS_THRESHOLD = 1e11;
/**
 * Deepest nesting a callback body may have. KIE's are 4 or 5 levels deep; a body nested thousands deep would
 * overflow the stack of whatever walks it recursively (`JSON.stringify` for the replay key, a user's logger).
 */
const MAX_BODY_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `max` deep; iterative, so any depth (or a cycle) is safe. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One header value, or a rejection when it was sent more than once (a smuggling attempt or a broken proxy). */
function header(headers: CallbackHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  let found: unknown;
  let count = 0;
  for (const key of Object.keys(record)) {
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const value = record[key];
    if (value === undefined) continue;
    found = value;
    count++;
  }
  if (count > 1) throw new CallbackRejectedError('duplicate-header');
  if (Array.isArray(found)) {
    if (found.length > 1) throw new CallbackRejectedError('duplicate-header');
    found = found[0];
  }
  return found === undefined ? undefined : String(found);
}

function parseBody(options: VerifyKieCallbackOptions): Json {
  let body: unknown = options.parsedBody;
  const raw = options.rawBody;
  if (raw !== undefined) {
    let text = typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw new CallbackRejectedError('malformed-body');
    }
  }
  if (!isObject(body) || deeperThan(body, MAX_BODY_DEPTH)) throw new CallbackRejectedError('malformed-body');
  return body;
}

function readTaskId(body: Json): string {
  const data = body['data'];
  if (!isObject(data)) throw new CallbackRejectedError('no-task-id');
  const camel = data['taskId'];
  const snake = data['task_id'];
  if (typeof camel === 'string' && typeof snake === 'string' && camel !== snake) throw new CallbackRejectedError('malformed-body');
  const taskId = typeof camel === 'string' ? camel : snake;
  if (typeof taskId !== 'string') throw new CallbackRejectedError('no-task-id');
  try {
    return checkTaskId(taskId);
  } catch {
    throw new CallbackRejectedError('invalid-task-id');
  }
}

function guessFamily(body: Json): string | undefined {
  const data = body['data'];
  if (!isObject(data)) return undefined;
  if (typeof data['callbackType'] === 'string' && Array.isArray(data['data'])) return 'suno';
  if (typeof data['state'] === 'string' && ('resultJson' in data || 'model' in data)) return 'market';
  return undefined;
}

interface SignatureHeaders {
  readonly timestampText: string;
  readonly timestampSec: number;
  readonly signature: string;
}

/** The header checks that need no body, done first so that a forged or stale request costs no parsing. */
function readSignatureHeaders(headers: CallbackHeaders, nowMs: number, toleranceSec: number): SignatureHeaders {
  const timestampText = header(headers, TIMESTAMP_HEADER)?.trim();
  const signature = header(headers, SIGNATURE_HEADER)?.trim();
  if (!timestampText || !signature) throw new CallbackRejectedError('missing-signature');
  if (!DIGITS.test(timestampText)) throw new CallbackRejectedError('malformed-timestamp');
  const value = Number(timestampText);
  const timestampSec = value >= MS_THRESHOLD ? value / 1000 : value;
  const ageSec = nowMs / 1000 - timestampSec;
  if (ageSec > toleranceSec) throw new CallbackRejectedError('stale-timestamp');
  if (-ageSec > toleranceSec) throw new CallbackRejectedError('future-timestamp');
  return { timestampText, timestampSec: Math.floor(timestampSec), signature };
}

function signatureMatches(expectedBase64: string, given: string): boolean {
  if (!BASE64.test(given)) return false;
  const expected = Buffer.from(expectedBase64, 'base64');
  const actual = Buffer.from(given, 'base64');
  // timingSafeEqual throws on unequal lengths; the length of a signature is no secret.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** @internal Validates the options shared with the handler. */
export function checkHmacKey(hmacKey: unknown): HmacKey | undefined {
  if (hmacKey === undefined) return undefined;
  if ((typeof hmacKey === 'string' || hmacKey instanceof Uint8Array) && hmacKey.length > 0) return hmacKey;
  // Said without the value: it is a secret.
  throw new TypeError('kie-watcher: option `hmacKey` must be a non-empty string or Uint8Array when given');
}

/** @internal */
export function checkTolerance(toleranceSec: unknown): number {
  return checkNumber('toleranceSec', toleranceSec ?? DEFAULT_TOLERANCE_SEC, 0, 86_400 * 7);
}

/**
 * Checks one KIE callback and says which task it is about. With `hmacKey`, both `X-Webhook-Timestamp` and
 * `X-Webhook-Signature` are required, the timestamp must be within ±`toleranceSec` of `now`, and the signature
 * (over `taskId + "." + timestamp`) is compared in constant time.
 *
 * KIE does not sign the body, so even a verified callback only proves that KIE said "look at this task": poll
 * it to learn how it ended. Header names are case-insensitive; a signature header sent twice is refused.
 *
 * @throws {CallbackRejectedError} with the `reason` and the HTTP `status` to answer; it never contains the key,
 * the signature or the body.
 * @throws {TypeError} for invalid options (an empty `hmacKey`, a negative `toleranceSec`).
 */
export function verifyKieCallback(options: VerifyKieCallbackOptions): VerifiedKieCallback {
  return verifyCallback(options).result;
}

/** @internal `verifyKieCallback`, plus the timestamp as sent (the handler's replay key). */
export function verifyCallback(options: VerifyKieCallbackOptions): { result: VerifiedKieCallback; timestampText: string | null } {
  const hmacKey = checkHmacKey(options.hmacKey);
  const toleranceSec = checkTolerance(options.toleranceSec);
  const nowMs = (options.now ?? Date.now)();
  const signed = hmacKey === undefined ? undefined : readSignatureHeaders(options.headers, nowMs, toleranceSec);
  const body = parseBody(options);
  const taskId = readTaskId(body);
  if (hmacKey !== undefined && signed !== undefined) {
    if (!signatureMatches(signKieCallback(taskId, signed.timestampText, hmacKey), signed.signature)) {
      throw new CallbackRejectedError('bad-signature', taskId);
    }
  }
  const family = guessFamily(body);
  const code = typeof body['code'] === 'number' && Number.isInteger(body['code']) ? body['code'] : null;
  return {
    result: {
      taskId,
      ...(family === undefined ? {} : { family }),
      code,
      timestamp: signed === undefined ? null : signed.timestampSec,
    },
    timestampText: signed === undefined ? null : signed.timestampText,
  };
}
