import type { Dispatcher } from 'undici';
import { MAX_TIMER_MS, type Clock } from './clock.js';
import type { Coordinator } from './fleet/coordinator.js';
import type { TaskFamily } from './families/family.js';
import { paramsForWindow } from './limits/gcra.js';
import { checkFunction, checkNumber, checkObject, fail, isLoopbackHost } from './validate.js';
import type { LoggerLike } from './logger.js';
import type { PollingPolicy } from './policy/index.js';
import type { TaskRateLimiter } from './limits/task-limiter.js';
import type { PendingTaskStore } from './stores/pending-store.js';

/** Retry timing for transient failures (HTTP 5xx, body 408/455/500, resets, timeouts, malformed bodies). */
export interface RetryOptions {
  /** First retry delay; doubles per consecutive failure, with jitter. @default 1000 */
  readonly baseDelayMs?: number | undefined;
  /** Cap on any retry delay, server-supplied `Retry-After` included. @default 30000 */
  readonly maxDelayMs?: number | undefined;
  /** Consecutive network/5xx failures of one task before it rejects with `TransportError`. @default 30 */
  readonly maxConsecutiveErrors?: number | undefined;
  /** Consecutive invalid answers for one task before it rejects with `InvalidResponseError`. @default 5 */
  readonly maxInvalidResponses?: number | undefined;
}

/** The account's creation limit: at most `requests` creates in any sliding `windowMs`. */
export interface SubmitLimit {
  /** Creates per window, 1 to 10,000. @default 20 */
  readonly requests?: number | undefined;
  /** The window, ms, 1 to 3,600,000. @default 10000 */
  readonly windowMs?: number | undefined;
}

/** {@link RetryOptions} with every default filled in. */
export type ResolvedRetry = { readonly [K in keyof RetryOptions]-?: Exclude<RetryOptions[K], undefined> };

/** Options of `new TaskWatcher(options)`; all optional. Validated once, in the constructor (a `TypeError` names the bad one). */
export interface TaskWatcherOptions {
  /**
   * The KIE API key. Sent only in the Authorization header; never logged or put in an error.
   * @default process.env.KIE_API_KEY
   */
  readonly apiKey?: string | undefined;
  /** The API origin (a path prefix is kept). `https:`; `http:` only to loopback, or with `allowInsecureHttp`. @default 'https://api.kie.ai' */
  readonly baseUrl?: string | URL | undefined;
  /** Allow plain `http:` to a host other than loopback (the key would travel in clear). @default false */
  readonly allowInsecureHttp?: boolean | undefined;
  /** A pino logger, or any object with `debug`/`info`/`warn`/`error` (`console` too). @default silent */
  readonly logger?: LoggerLike | undefined;
  /**
   * When to poll each task: `'adaptive'`, `{ p95DelayMs }` (experimental: learns task durations and aims at that
   * p95 detection delay), `'fastest'`, `{ intervalMs }` or a function (docs/scheduling.md).
   * @default 'adaptive'
   */
  readonly policy?: PollingPolicy | undefined;
  /** Per-task poll rate ceiling, retries included. The provider allows 3; more is refused. @default 3 */
  readonly maxRequestsPerSecondPerTask?: number | undefined;
  /**
   * Arrival jitter the per-task spacing absorbs, so that the provider never sees more than the limit in
   * any 1000 ms window even when requests are delayed unevenly on the way. @default 120
   */
  readonly rateJitterMarginMs?: number | undefined;
  /**
   * The account's creation limit: `submit()` and `generate()` never let more than `requests` creates arrive at
   * the provider in any sliding `windowMs` (refused ones included), with `rateJitterMarginMs` added to the window
   * for arrival jitter. With a `coordinator`, the whole fleet shares it. @default { requests: 20, windowMs: 10000 }
   */
  readonly submitLimit?: SubmitLimit | undefined;
  /**
   * A URL of your callback handler: every create carries it as `callBackUrl`, and the waits of created tasks
   * expect a callback (`expectCallback`). @default none
   */
  readonly callbackUrl?: string | URL | undefined;
  /** Requests in flight at once, across all tasks (never more than `connections`). @default 64 */
  readonly maxInFlight?: number | undefined;
  /** Account-wide request budget per second across all tasks; `null` for none. @default null */
  readonly accountRequestsPerSecond?: number | null | undefined;
  /**
   * Default deadline of a watch, per task. Not a task failure. When the deadline comes before the next poll, one
   * last poll goes at the deadline (within the per-task limit) and only a non-final answer times out
   * (a request in flight at the deadline went out before it: the deadline holds).
   * @default 900000 (15 min)
   */
  readonly timeoutMs?: number | undefined;
  /** Per-request timeout (connect, headers, and between body chunks). @default 15000 */
  readonly requestTimeoutMs?: number | undefined;
  /** Larger answers are refused without being buffered. @default 1048576 */
  readonly maxResponseBytes?: number | undefined;
  /** How long after watching starts a task may stay unknown (404/422/`data: null`). @default 30000 */
  readonly unknownTaskGraceMs?: number | undefined;
  /**
   * After a 401 or 402 every wait is refused at once (the key or the account is unusable); the first new wait
   * this long after it sends one probing request, and watching resumes if the API does not refuse it
   * (`clearHalt()` ends the halt at once). Without effect with a `coordinator` (docs/errors.md). @default 60000
   */
  readonly haltCooldownMs?: number | undefined;
  /** How long a settled outcome is kept so that late waiters settle at once. @default 600000 */
  readonly resultCacheTtlMs?: number | undefined;
  /** How many settled outcomes are kept at most. @default 10000 */
  readonly resultCacheSize?: number | undefined;
  /** Retry timing and limits for transient failures; each field has its own default. @default see {@link RetryOptions} */
  readonly retry?: RetryOptions | undefined;
  /**
   * Keep-alive connections of the owned pool. Requests in flight never exceed it: a request the pool would
   * have to queue is not sent (nor counted by the rate limiter) until a connection is free. @default maxInFlight
   */
  readonly connections?: number | undefined;
  /**
   * An undici dispatcher to send requests through instead of the owned pool (a `MockAgent` in tests). Its
   * queueing is yours: keep `maxInFlight` at or below what it sends at once, or requests counted by the rate
   * limiter may wait in its queue and reach the server later, together.
   */
  readonly dispatcher?: Dispatcher | undefined;
  /** The `User-Agent` header: the CDN in front of the API has been reported to block requests without a normal one. @default `kie-watcher/<version> (...)` */
  readonly userAgent?: string | undefined;
  /** Time source and the one timer, for driving time in tests. @default the system clock */
  readonly clock?: Clock | undefined;
  /** Random source for jitter, in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /**
   * Per-task rate state (times are epoch ms). Not with a `coordinator` (a `TypeError`): a fleet keeps the per-task
   * limit in Redis, for every process. @default in memory
   */
  readonly rateLimiter?: TaskRateLimiter | undefined;
  /** Mirror of the pending set, for resuming after a restart. @default none */
  readonly store?: PendingTaskStore | undefined;
  /**
   * Every task is created with a `callBackUrl` that reaches your callback handler (see docs/callbacks.md), which
   * calls `poke`: the default `'adaptive'` policy then polls as a safety net, slowly while callbacks arrive and
   * closer to its ordinary schedule as they go missing (`PollState.callbackMissRate`; see docs/callbacks.md).
   * Per task: `expectCallback`.
   * @default false
   */
  readonly expectCallbacks?: boolean | undefined;
  /**
   * Runs this watcher as one process of a fleet (`new RedisCoordinator(...)` from `kie-watcher/redis`): the
   * per-task limit, the account budget and the 429 pause are fleet-wide, exactly one process polls a task at a
   * time, results reach every process, and the pending set survives restarts. See docs/fleet.md.
   * @default none (in process)
   */
  readonly coordinator?: Coordinator | undefined;
  /**
   * Custom task families (made with `defineFamily`), so that their ids resolve where a family arrives as a
   * string at run time: `resume()` from a store, `poke`, `isWatching`, JavaScript callers. From TypeScript,
   * pass the family object as `family` (its record type follows). @default none
   */
  readonly families?: readonly TaskFamily[] | undefined;
}

/** The defaults of {@link TaskWatcherOptions}, for display and for deriving your own settings. */
export const DEFAULTS = {
  /** {@inheritDoc TaskWatcherOptions.baseUrl} */
  baseUrl: 'https://api.kie.ai',
  /** {@inheritDoc TaskWatcherOptions.allowInsecureHttp} */
  allowInsecureHttp: false,
  /** {@inheritDoc TaskWatcherOptions.expectCallbacks} */
  expectCallbacks: false,
  /** {@inheritDoc TaskWatcherOptions.policy} */
  policy: 'adaptive',
  /** {@inheritDoc TaskWatcherOptions.maxRequestsPerSecondPerTask} */
  maxRequestsPerSecondPerTask: 3,
  /** {@inheritDoc TaskWatcherOptions.rateJitterMarginMs} */
  rateJitterMarginMs: 120,
  /** {@inheritDoc TaskWatcherOptions.maxInFlight} */
  maxInFlight: 64,
  /** {@inheritDoc TaskWatcherOptions.submitLimit} */
  submitLimit: {
    /** {@inheritDoc SubmitLimit.requests} */
    requests: 20,
    /** {@inheritDoc SubmitLimit.windowMs} */
    windowMs: 10_000,
  },
  /** {@inheritDoc TaskWatcherOptions.accountRequestsPerSecond} */
  accountRequestsPerSecond: null,
  /** {@inheritDoc TaskWatcherOptions.timeoutMs} */
  timeoutMs: 15 * 60_000,
  /** {@inheritDoc TaskWatcherOptions.requestTimeoutMs} */
  requestTimeoutMs: 15_000,
  /** {@inheritDoc TaskWatcherOptions.maxResponseBytes} */
  maxResponseBytes: 1024 * 1024,
  /** {@inheritDoc TaskWatcherOptions.unknownTaskGraceMs} */
  unknownTaskGraceMs: 30_000,
  /** {@inheritDoc TaskWatcherOptions.haltCooldownMs} */
  haltCooldownMs: 60_000,
  /** {@inheritDoc TaskWatcherOptions.resultCacheTtlMs} */
  resultCacheTtlMs: 10 * 60_000,
  /** {@inheritDoc TaskWatcherOptions.resultCacheSize} */
  resultCacheSize: 10_000,
  /** Connections with the default `maxInFlight`: the option itself defaults to whatever `maxInFlight` is (at most 1024). */
  connections: 64,
  /** {@inheritDoc TaskWatcherOptions.retry} */
  retry: {
    /** {@inheritDoc RetryOptions.baseDelayMs} */
    baseDelayMs: 1_000,
    /** {@inheritDoc RetryOptions.maxDelayMs} */
    maxDelayMs: 30_000,
    /** {@inheritDoc RetryOptions.maxConsecutiveErrors} */
    maxConsecutiveErrors: 30,
    /** {@inheritDoc RetryOptions.maxInvalidResponses} */
    maxInvalidResponses: 5,
  },
} as const;

/** The provider's documented ceiling for record-info. */
export const PROVIDER_MAX_PER_TASK_PER_SECOND = 3;
/** Longest deadline accepted: Node timers cannot go further without re-arming, and a month is plenty. */
export const MAX_TIMEOUT_MS = 30 * 24 * 3_600_000;

export interface ResolvedOptions {
  readonly apiKey: string;
  /** The per-task spacing the limiter enforces, in ms. */
  readonly minIntervalMs: number;
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
  readonly haltCooldownMs: number;
  readonly resultCacheTtlMs: number;
  readonly resultCacheSize: number;
  readonly retry: ResolvedRetry;
  readonly connections: number;
  readonly userAgent: string;
  readonly expectCallbacks: boolean;
  readonly submitLimit: { readonly requests: number; readonly windowMs: number };
  readonly callbackUrl: string | null;
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
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowInsecureHttp) {
    fail('baseUrl', 'https: (or http: to loopback, or set allowInsecureHttp)', value);
  }
  return url;
}

function checkPolicy(value: unknown, minIntervalMs: number): PollingPolicy {
  if (value === 'adaptive' || value === 'fastest' || typeof value === 'function') return value as PollingPolicy;
  if (typeof value === 'object' && value !== null && 'intervalMs' in value) {
    const interval = checkNumber('policy.intervalMs', (value as { intervalMs: unknown }).intervalMs, 0, MAX_TIMEOUT_MS);
    if (interval < minIntervalMs) {
      // A fixed interval below the limit would silently become the limit: say so instead.
      throw new RangeError(
        `kie-watcher: option \`policy.intervalMs\` must be at least ${Math.ceil(minIntervalMs * 10) / 10} ms, the per-task rate limit's spacing (use 'fastest' for that), got ${interval}`,
      );
    }
    return value as PollingPolicy;
  }
  if (typeof value === 'object' && value !== null && 'p95DelayMs' in value) {
    // Under a second the schedule is little more than the rate limit; past 10 minutes it is no longer a target.
    checkNumber('policy.p95DelayMs', (value as { p95DelayMs: unknown }).p95DelayMs, 1_000, 600_000);
    return value as PollingPolicy;
  }
  return fail('policy', "'adaptive', 'fastest', { p95DelayMs }, { intervalMs } or a function", value);
}

/**
 * The key from the option, else from `KIE_API_KEY` (the OpenAI / Anthropic SDK convention). A key with
 * whitespace or control characters is surely a copy-paste accident: refused, describing only its type.
 */
function checkApiKey(value: unknown): string {
  const key = value === undefined ? process.env['KIE_API_KEY'] : value;
  if (key === undefined) {
    throw new TypeError('kie-watcher: no API key: pass the `apiKey` option or set the KIE_API_KEY environment variable (got a value of type undefined)');
  }
  const source = value === undefined ? 'KIE_API_KEY' : 'option `apiKey`';
  if (typeof key !== 'string') throw new TypeError(`kie-watcher: ${source} must be a string, got ${key === null ? 'null' : Array.isArray(key) ? 'an array' : `a value of type ${typeof key}`}`);
  if (key === '') throw new TypeError(`kie-watcher: ${source} must not be empty, got an empty string`);
  // A header value must be visible ASCII: whitespace, control and non-ASCII characters are copy-paste accidents.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new TypeError(`kie-watcher: ${source} must be visible ASCII, without whitespace or control characters, got a string of length ${key.length}`);
  }
  return key;
}

function checkSubmitLimit(value: unknown): ResolvedOptions['submitLimit'] {
  if (value === undefined) return DEFAULTS.submitLimit;
  checkObject('submitLimit', value);
  const v = value as Partial<Record<keyof SubmitLimit, unknown>>;
  const range = (name: string, x: unknown, min: number, max: number): number => {
    if (typeof x !== 'number' || !Number.isInteger(x)) fail(name, 'an integer', x);
    if (x < min || x > max) throw new RangeError(`kie-watcher: option \`${name}\` must be from ${min} to ${max}, got ${x}`);
    return x;
  };
  return {
    requests: range('submitLimit.requests', v.requests ?? DEFAULTS.submitLimit.requests, 1, 10_000),
    windowMs: range('submitLimit.windowMs', v.windowMs ?? DEFAULTS.submitLimit.windowMs, 1, 3_600_000),
  };
}

function checkCallbackUrl(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' && !(value instanceof URL)) fail('callbackUrl', 'an absolute http(s) URL', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('callbackUrl', 'an absolute http(s) URL', value);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('callbackUrl', 'an http: or https: URL', url.protocol);
  return url.href;
}

/** Validates once, in the constructor; everything downstream trusts the result. */
export function resolveOptions(options: unknown): ResolvedOptions {
  checkObject('options', options);
  const o = options as Partial<Record<keyof TaskWatcherOptions, unknown>>;
  const apiKey = checkApiKey(o.apiKey);
  const allowInsecureHttp = o.allowInsecureHttp ?? DEFAULTS.allowInsecureHttp;
  if (typeof allowInsecureHttp !== 'boolean') fail('allowInsecureHttp', 'a boolean', allowInsecureHttp);
  const rate = checkNumber('maxRequestsPerSecondPerTask', o.maxRequestsPerSecondPerTask ?? DEFAULTS.maxRequestsPerSecondPerTask, Number.MIN_VALUE, PROVIDER_MAX_PER_TASK_PER_SECOND);
  const jitter = checkNumber('rateJitterMarginMs', o.rateJitterMarginMs ?? DEFAULTS.rateJitterMarginMs, 0, 10_000);
  const minIntervalMs = paramsForWindow(rate, 1000, jitter).intervalMs;
  const account = o.accountRequestsPerSecond ?? DEFAULTS.accountRequestsPerSecond;
  if (account !== null) checkNumber('accountRequestsPerSecond', account, Number.MIN_VALUE, 1e6);
  const r = (o.retry ?? {}) as Partial<Record<keyof RetryOptions, unknown>>;
  if (typeof r !== 'object' || r === null) fail('retry', 'an object', r);
  const retry: ResolvedRetry = {
    // A delay is one timer: above the timer maximum (~24.8 days) Node would fire it at once.
    baseDelayMs: checkNumber('retry.baseDelayMs', r.baseDelayMs ?? DEFAULTS.retry.baseDelayMs, 0, MAX_TIMER_MS),
    maxDelayMs: checkNumber('retry.maxDelayMs', r.maxDelayMs ?? DEFAULTS.retry.maxDelayMs, 0, MAX_TIMER_MS),
    maxConsecutiveErrors: checkNumber('retry.maxConsecutiveErrors', r.maxConsecutiveErrors ?? DEFAULTS.retry.maxConsecutiveErrors, 1, 1e9, true),
    maxInvalidResponses: checkNumber('retry.maxInvalidResponses', r.maxInvalidResponses ?? DEFAULTS.retry.maxInvalidResponses, 1, 1e9, true),
  };
  const userAgent = o.userAgent ?? null;
  if (userAgent !== null && (typeof userAgent !== 'string' || userAgent === '' || /[\r\n]/.test(userAgent))) fail('userAgent', 'a non-empty single-line string', userAgent);
  for (const fn of ['logger', 'dispatcher', 'clock', 'rateLimiter', 'store', 'coordinator'] as const) {
    const v = o[fn];
    if (v !== undefined && (typeof v !== 'object' || v === null)) fail(fn, 'an object', v);
  }
  if (o.rateLimiter !== undefined && o.coordinator !== undefined) {
    throw new TypeError('kie-watcher: options `rateLimiter` and `coordinator` cannot be combined: with a coordinator the per-task limit is the fleet\'s, kept in Redis for every process, so a local limiter would never be asked');
  }
  if (o.random !== undefined) checkFunction('random', o.random);
  if (o.families !== undefined && !Array.isArray(o.families)) fail('families', 'an array of families made with defineFamily', o.families);
  const maxInFlight = checkNumber('maxInFlight', o.maxInFlight ?? DEFAULTS.maxInFlight, 1, 100_000, true);
  const expectCallbacks = o.expectCallbacks ?? DEFAULTS.expectCallbacks;
  if (typeof expectCallbacks !== 'boolean') fail('expectCallbacks', 'a boolean', expectCallbacks);
  return {
    apiKey,
    submitLimit: checkSubmitLimit(o.submitLimit),
    callbackUrl: checkCallbackUrl(o.callbackUrl),
    minIntervalMs,
    baseUrl: checkBaseUrl(o.baseUrl ?? DEFAULTS.baseUrl, allowInsecureHttp),
    policy: checkPolicy(o.policy ?? DEFAULTS.policy, minIntervalMs),
    maxRequestsPerSecondPerTask: rate,
    rateJitterMarginMs: jitter,
    maxInFlight,
    accountRequestsPerSecond: account as number | null,
    timeoutMs: checkNumber('timeoutMs', o.timeoutMs ?? DEFAULTS.timeoutMs, 0, MAX_TIMEOUT_MS),
    requestTimeoutMs: checkNumber('requestTimeoutMs', o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs, 1, 600_000),
    maxResponseBytes: checkNumber('maxResponseBytes', o.maxResponseBytes ?? DEFAULTS.maxResponseBytes, 1024, 1024 ** 3, true),
    unknownTaskGraceMs: checkNumber('unknownTaskGraceMs', o.unknownTaskGraceMs ?? DEFAULTS.unknownTaskGraceMs, 0, MAX_TIMEOUT_MS),
    haltCooldownMs: checkNumber('haltCooldownMs', o.haltCooldownMs ?? DEFAULTS.haltCooldownMs, 0, MAX_TIMEOUT_MS),
    resultCacheTtlMs: checkNumber('resultCacheTtlMs', o.resultCacheTtlMs ?? DEFAULTS.resultCacheTtlMs, 0, MAX_TIMEOUT_MS),
    resultCacheSize: checkNumber('resultCacheSize', o.resultCacheSize ?? DEFAULTS.resultCacheSize, 0, 10_000_000, true),
    retry,
    connections: checkNumber('connections', o.connections ?? Math.min(1024, maxInFlight), 1, 1024, true),
    userAgent: (userAgent as string | null) ?? '',
    expectCallbacks,
  };
}
