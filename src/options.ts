import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Clock } from './clock.js';
import type { PollingPolicy } from './policy.js';
import type { PendingTaskStore, TaskRateLimiter } from './stores.js';

/** Retry timing for transient failures (HTTP 5xx, body 408/455/500, resets, timeouts, malformed bodies). */
export interface RetryOptions {
  /** First retry delay; doubles per consecutive failure, with jitter. @default 1000 */
  readonly baseDelayMs?: number;
  /** Cap on any retry delay, server-supplied `Retry-After` included. @default 30000 */
  readonly maxDelayMs?: number;
  /** Consecutive network/5xx failures of one task before it rejects with `TransportError`. @default 30 */
  readonly maxConsecutiveErrors?: number;
  /** Consecutive invalid answers for one task before it rejects with `InvalidResponseError`. @default 5 */
  readonly maxInvalidResponses?: number;
}

export interface TaskWatcherOptions {
  /** The KIE API key. Sent only in the Authorization header; never logged or put in an error. */
  readonly apiKey: string;
  /** @default 'https://api.kie.ai' */
  readonly baseUrl?: string | URL;
  /** Allow plain `http:` to a host other than loopback (the key would travel in clear). @default false */
  readonly allowInsecureHttp?: boolean;
  /** A pino logger; the watcher logs through `logger.child({ taskId })`. @default silent */
  readonly logger?: Logger;
  /** @default 'adaptive' */
  readonly policy?: PollingPolicy;
  /** Per-task poll rate ceiling, retries included. The provider allows 3; more is refused. @default 3 */
  readonly maxRequestsPerSecondPerTask?: number;
  /**
   * Arrival jitter the per-task spacing absorbs, so that the provider never sees more than the limit in
   * any 1000 ms window even when requests are delayed unevenly on the way. @default 120
   */
  readonly rateJitterMarginMs?: number;
  /** Requests in flight at once, across all tasks. @default 64 */
  readonly maxInFlight?: number;
  /** Account-wide request budget per second across all tasks; `null` for none. @default null */
  readonly accountRequestsPerSecond?: number | null;
  /** Default deadline of a watch, per task. Not a task failure. @default 900000 (15 min) */
  readonly timeoutMs?: number;
  /** Per-request timeout (connect, headers, and between body chunks). @default 15000 */
  readonly requestTimeoutMs?: number;
  /** Larger answers are refused without being buffered. @default 1048576 */
  readonly maxResponseBytes?: number;
  /** How long after watching starts a task may stay unknown (404/422/`data: null`). @default 30000 */
  readonly unknownTaskGraceMs?: number;
  /** How long a settled outcome is kept so that late waiters settle at once. @default 600000 */
  readonly resultCacheTtlMs?: number;
  /** How many settled outcomes are kept at most. @default 10000 */
  readonly resultCacheSize?: number;
  readonly retry?: RetryOptions;
  /** Keep-alive connections of the owned pool. @default 16 */
  readonly connections?: number;
  /** An undici dispatcher to send requests through instead of the owned pool (a `MockAgent` in tests). */
  readonly dispatcher?: Dispatcher;
  /** @default `kie-watcher/<version> (...)` */
  readonly userAgent?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Random source for jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Per-task rate state. @default in memory */
  readonly rateLimiter?: TaskRateLimiter;
  /** Mirror of the pending set, for resuming after a restart. @default none */
  readonly store?: PendingTaskStore;
}

export const DEFAULTS = {
  baseUrl: 'https://api.kie.ai',
  allowInsecureHttp: false,
  policy: 'adaptive',
  maxRequestsPerSecondPerTask: 3,
  rateJitterMarginMs: 120,
  maxInFlight: 64,
  accountRequestsPerSecond: null,
  timeoutMs: 15 * 60_000,
  requestTimeoutMs: 15_000,
  maxResponseBytes: 1024 * 1024,
  unknownTaskGraceMs: 30_000,
  resultCacheTtlMs: 10 * 60_000,
  resultCacheSize: 10_000,
  connections: 16,
  retry: { baseDelayMs: 1_000, maxDelayMs: 30_000, maxConsecutiveErrors: 30, maxInvalidResponses: 5 },
} as const;

/** The provider's documented ceiling for record-info. */
export const PROVIDER_MAX_PER_TASK_PER_SECOND = 3;
/** Longest deadline accepted: Node timers cannot go further without re-arming, and a month is plenty. */
export const MAX_TIMEOUT_MS = 30 * 24 * 3_600_000;

export interface ResolvedOptions {
  readonly apiKey: string;
  readonly baseUrl: URL;
  readonly policy: PollingPolicy;
  readonly maxRequestsPerSecondPerTask: number;
  readonly rateJitterMarginMs: number;
  readonly maxInFlight: number;
  readonly accountRequestsPerSecond: number | null;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly unknownTaskGraceMs: number;
  readonly resultCacheTtlMs: number;
  readonly resultCacheSize: number;
  readonly retry: Required<RetryOptions>;
  readonly connections: number;
  readonly userAgent: string;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `the number ${value}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : `the string ${JSON.stringify(value)}`;
  return `a value of type ${typeof value}`;
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`kie-watcher: option \`${name}\` must be ${expected}, got ${describe(value)}`);
}

export function checkNumber(name: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail(name, `${integer ? 'an integer' : 'a finite number'} from ${min} to ${max}`, value);
  }
  return value;
}

export function checkObject(name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
}

export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') fail(name, 'a function', value);
}

export function checkSignal(value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) fail('signal', 'an AbortSignal', value);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function checkBaseUrl(value: unknown, allowInsecureHttp: boolean): URL {
  if (typeof value !== 'string' && !(value instanceof URL)) fail('baseUrl', 'a URL string', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('baseUrl', 'an absolute http(s) URL', value);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('baseUrl', 'an http: or https: URL', url.protocol);
  if (url.username || url.password) fail('baseUrl', 'a URL without credentials', 'a URL with credentials');
  if (url.search || url.hash) fail('baseUrl', 'a URL without query or fragment', value);
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecureHttp) {
    fail('baseUrl', 'https: (or http: to loopback, or set allowInsecureHttp)', value);
  }
  return url;
}

function checkPolicy(value: unknown): PollingPolicy {
  if (value === 'adaptive' || value === 'fastest' || typeof value === 'function') return value as PollingPolicy;
  if (typeof value === 'object' && value !== null && 'intervalMs' in value) {
    checkNumber('policy.intervalMs', (value as { intervalMs: unknown }).intervalMs, 0, MAX_TIMEOUT_MS);
    return value as PollingPolicy;
  }
  return fail('policy', "'adaptive', 'fastest', { intervalMs } or a function", value);
}

/** Validates once, in the constructor; everything downstream trusts the result. */
export function resolveOptions(options: unknown): ResolvedOptions {
  checkObject('options', options);
  const o = options as Partial<Record<keyof TaskWatcherOptions, unknown>>;
  if (typeof o.apiKey !== 'string' || o.apiKey.trim() === '' || /[\r\n]/.test(o.apiKey)) {
    // Describe the type only: the value may be a key.
    throw new TypeError(`kie-watcher: option \`apiKey\` must be a non-empty single-line string, got ${o.apiKey === '' ? 'an empty string' : `a value of type ${typeof o.apiKey}`}`);
  }
  const allowInsecureHttp = o.allowInsecureHttp ?? DEFAULTS.allowInsecureHttp;
  if (typeof allowInsecureHttp !== 'boolean') fail('allowInsecureHttp', 'a boolean', allowInsecureHttp);
  const rate = checkNumber('maxRequestsPerSecondPerTask', o.maxRequestsPerSecondPerTask ?? DEFAULTS.maxRequestsPerSecondPerTask, Number.MIN_VALUE, PROVIDER_MAX_PER_TASK_PER_SECOND);
  const account = o.accountRequestsPerSecond ?? DEFAULTS.accountRequestsPerSecond;
  if (account !== null) checkNumber('accountRequestsPerSecond', account, Number.MIN_VALUE, 1e6);
  const r = (o.retry ?? {}) as Partial<Record<keyof RetryOptions, unknown>>;
  if (typeof r !== 'object') fail('retry', 'an object', r);
  const retry: Required<RetryOptions> = {
    baseDelayMs: checkNumber('retry.baseDelayMs', r.baseDelayMs ?? DEFAULTS.retry.baseDelayMs, 0, MAX_TIMEOUT_MS),
    maxDelayMs: checkNumber('retry.maxDelayMs', r.maxDelayMs ?? DEFAULTS.retry.maxDelayMs, 0, MAX_TIMEOUT_MS),
    maxConsecutiveErrors: checkNumber('retry.maxConsecutiveErrors', r.maxConsecutiveErrors ?? DEFAULTS.retry.maxConsecutiveErrors, 1, 1e9, true),
    maxInvalidResponses: checkNumber('retry.maxInvalidResponses', r.maxInvalidResponses ?? DEFAULTS.retry.maxInvalidResponses, 1, 1e9, true),
  };
  const userAgent = o.userAgent ?? null;
  if (userAgent !== null && (typeof userAgent !== 'string' || userAgent === '' || /[\r\n]/.test(userAgent))) fail('userAgent', 'a non-empty single-line string', userAgent);
  for (const fn of ['logger', 'dispatcher', 'clock', 'rateLimiter', 'store'] as const) {
    const v = o[fn];
    if (v !== undefined && (typeof v !== 'object' || v === null)) fail(fn, 'an object', v);
  }
  if (o.random !== undefined) checkFunction('random', o.random);
  return {
    apiKey: o.apiKey,
    baseUrl: checkBaseUrl(o.baseUrl ?? DEFAULTS.baseUrl, allowInsecureHttp),
    policy: checkPolicy(o.policy ?? DEFAULTS.policy),
    maxRequestsPerSecondPerTask: rate,
    rateJitterMarginMs: checkNumber('rateJitterMarginMs', o.rateJitterMarginMs ?? DEFAULTS.rateJitterMarginMs, 0, 10_000),
    maxInFlight: checkNumber('maxInFlight', o.maxInFlight ?? DEFAULTS.maxInFlight, 1, 100_000, true),
    accountRequestsPerSecond: account as number | null,
    timeoutMs: checkNumber('timeoutMs', o.timeoutMs ?? DEFAULTS.timeoutMs, 0, MAX_TIMEOUT_MS),
    requestTimeoutMs: checkNumber('requestTimeoutMs', o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs, 1, 600_000),
    maxResponseBytes: checkNumber('maxResponseBytes', o.maxResponseBytes ?? DEFAULTS.maxResponseBytes, 1024, 1024 ** 3, true),
    unknownTaskGraceMs: checkNumber('unknownTaskGraceMs', o.unknownTaskGraceMs ?? DEFAULTS.unknownTaskGraceMs, 0, MAX_TIMEOUT_MS),
    resultCacheTtlMs: checkNumber('resultCacheTtlMs', o.resultCacheTtlMs ?? DEFAULTS.resultCacheTtlMs, 0, MAX_TIMEOUT_MS),
    resultCacheSize: checkNumber('resultCacheSize', o.resultCacheSize ?? DEFAULTS.resultCacheSize, 0, 10_000_000, true),
    retry,
    connections: checkNumber('connections', o.connections ?? DEFAULTS.connections, 1, 1024, true),
    userAgent: (userAgent as string | null) ?? '',
  };
}

export const TASK_ID_MAX_LENGTH = 128;
const TASK_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/** taskIds end up in a URL: only a bounded set of safe characters is accepted, and none that walks a path. */
export function checkTaskId(taskId: unknown, name = 'taskId'): string {
  if (typeof taskId !== 'string') fail(name, 'a string', taskId);
  if (taskId.length === 0 || taskId.length > TASK_ID_MAX_LENGTH || !TASK_ID_PATTERN.test(taskId) || /^\.+$/.test(taskId) || taskId.includes('..')) {
    throw new TypeError(
      `kie-watcher: \`${name}\` must be 1 to ${TASK_ID_MAX_LENGTH} characters of A-Z a-z 0-9 _ . : - (no '..'), got ${describe(taskId)}`,
    );
  }
  return taskId;
}

export type { Logger };
