import { createHash } from 'node:crypto';
import { systemClock } from '../clock.js';
import { checkNumber } from '../validate.js';
import { CallbackRejectedError } from '../errors.js';
import type { CallbackRejectionReason } from './rejections.js';
import { PokeCoalescer } from './poke-coalescer.js';
import type { HmacKey } from './sign.js';
import { TtlSet } from './ttl-set.js';
import { checkHmacKey, checkTolerance, verifyCallback } from './verify.js';
import type { CallbackHeaders } from './verify.js';

/**
 * What the handler needs from a watcher: `TaskWatcher#poke` ("poll this task now, within its rate limit").
 * Anything with that method will do (a fleet's broadcaster, a test's recorder).
 */
export interface CallbackPokeTarget {
  /**
   * Asks for a poll of `taskId` now. `family` is set when the handler knows it (its `family` option, or the body's
   * shape). Called after the response was sent; a throw or a rejected promise is logged at warn, never answered.
   */
  poke(
    taskId: string,
    options?: {
      /** The task's family id, when known. */
      family?: string | undefined;
    },
  ): unknown;
}

/** One callback delivery, as a handler hands it to a {@link CallbackFleetTarget}. */
export interface CallbackDelivery {
  /** The task the callback is about. */
  readonly taskId: string;
  /** Its family, when the handler knows it; otherwise every family's task of that id is poked. */
  readonly family?: string | undefined;
  /** Names the delivery: the same key again is a replay (`s:<taskId>.<timestamp>` signed, `b:<sha256>` unsigned). */
  readonly deliveryKey: string;
  /** How long the delivery is remembered as seen, ms (the handler's `dedupeTtlMs`). */
  readonly rememberMs: number;
}

/**
 * A fleet poked without a watcher in this process (`RedisCoordinator`, in a serverless function): each delivery
 * is one write to the fleet's store, which also dedupes replays for every process. The handler answers once
 * the write is done, so that nothing is left running after the response (a function may be frozen then).
 */
export interface CallbackFleetTarget {
  /** Pokes the task for the whole fleet unless this delivery was seen already; rejects when the fleet is unreachable. */
  pokeCallback(delivery: CallbackDelivery): Promise<'poked' | 'duplicate'>;
}

/** A pino-compatible logger; the handler never logs the key, a signature or a body. */
export interface CallbackLogger {
  /** Accepted callbacks, replays, and rejections (signature ones after the first per reason and minute). */
  debug(obj: object, msg?: string): void;
  /** Not used by the handler today; required so that any leveled logger fits. */
  info(obj: object, msg?: string): void;
  /** A failing poke, and the first signature-related rejection per reason and minute. */
  warn(obj: object, msg?: string): void;
  /** An unexpected failure inside the handler (answered 500). */
  error(obj: object, msg?: string): void;
}

/** Options of {@link createCallbackHandler} and {@link createFetchCallbackHandler}. */
export interface CallbackHandlerOptions {
  /** The webhook HMAC key; when given, unsigned and badly signed callbacks get 401. @default none */
  readonly hmacKey?: HmacKey | undefined;
  /**
   * Accept callbacks without a signature (no `hmacKey`). The Fetch handler requires either a key or this; the
   * Node handler accepts unsigned callbacks without a key, as before. Either way a callback is only a hint.
   * @default false
   */
  readonly unsigned?: boolean | undefined;
  /** Allowed distance of `X-Webhook-Timestamp` from now, past or future, in seconds. @default 300 */
  readonly toleranceSec?: number | undefined;
  /** Bodies over this many bytes get 413; reading stops at the cap. @default 65536 */
  readonly maxBodyBytes?: number | undefined;
  /**
   * The Node handler's limit on reading a body, from the handler's start to its last byte: a slower body gets
   * 408 and its connection is closed (a sender trickling bytes would otherwise hold it open). The Fetch handler's
   * runtime reads the body. @default 10000
   */
  readonly bodyTimeoutMs?: number | undefined;
  /**
   * The family to poke with, for an endpoint that receives one family's callbacks only. Without it the family
   * is guessed from the body (market and Suno bodies say; others do not, and the watcher uses its own).
   * @default guessed from the body
   */
  readonly family?: string | undefined;
  /** How long a delivered callback is remembered, so that a replay gets 200 and no poke. @default 600000 */
  readonly dedupeTtlMs?: number | undefined;
  /** Most callbacks remembered for dedupe (in this process); the oldest are forgotten first. @default 10000 */
  readonly dedupeMaxEntries?: number | undefined;
  /**
   * At most one poke per task per this interval: more callbacks for the task meanwhile become one poke when it
   * ends. 0 pokes for every callback that is not a replay. Not used with a fleet target (each delivery is one
   * write, answered when done). @default 1000
   */
  readonly pokeIntervalMs?: number | undefined;
  /**
   * With a fleet target: how long the handler waits for the fleet's write before it answers 503 (the sender
   * delivers again later). @default 5000
   */
  readonly pokeTimeoutMs?: number | undefined;
  /** @default silent */
  readonly logger?: CallbackLogger | undefined;
  /** Epoch ms, for the timestamp tolerance and the dedupe TTL. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Defaults of {@link CallbackHandlerOptions}. */
export const CALLBACK_DEFAULTS = {
  /** {@inheritDoc CallbackHandlerOptions.maxBodyBytes} */
  maxBodyBytes: 64 * 1024,
  /** {@inheritDoc CallbackHandlerOptions.bodyTimeoutMs} */
  bodyTimeoutMs: 10_000,
  /** {@inheritDoc CallbackHandlerOptions.dedupeTtlMs} */
  dedupeTtlMs: 600_000,
  /** {@inheritDoc CallbackHandlerOptions.dedupeMaxEntries} */
  dedupeMaxEntries: 10_000,
  /** {@inheritDoc CallbackHandlerOptions.pokeIntervalMs} */
  pokeIntervalMs: 1000,
  /** {@inheritDoc CallbackHandlerOptions.pokeTimeoutMs} */
  pokeTimeoutMs: 5000,
} as const;

/** Tasks with an open poke window at once; more and the oldest windows close early. */
const MAX_COALESCED_TASKS = 100_000;
/** Signature failures can be an attack or a wrong key: say so at warn, but once a minute per reason, not per request. */
const WARN_EVERY_MS = 60_000;
const WARN_REASONS: ReadonlySet<CallbackRejectionReason> = new Set([
  'missing-signature',
  'duplicate-header',
  'malformed-timestamp',
  'stale-timestamp',
  'future-timestamp',
  'bad-signature',
  'body-unavailable',
]);

/** A body as received, or as a framework parsed it. */
export type CallbackBody = { readonly raw: Buffer | string } | { readonly parsed: unknown };

/** What to answer: a status, a small JSON body and extra headers. */
export interface Reply {
  readonly status: number;
  readonly body: object;
  readonly headers: Readonly<Record<string, string>>;
}

/** @internal The mounting-independent part of a callback handler: options, verification, dedupe, the poke. */
export interface CallbackCore {
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  /** A refusal, logged (signature ones at warn, rate-limited). */
  reject(err: CallbackRejectedError, remoteAddress: string | undefined): Reply;
  /** Verifies, dedupes and pokes; a fleet target's reply comes once its write is done. */
  accept(headers: CallbackHeaders, body: CallbackBody, remoteAddress: string | undefined): Reply | Promise<Reply>;
  /** An unexpected failure inside the handler: logged at error, answered 500. */
  fail(err: unknown): Reply;
  close(): void;
}

export function isJsonType(contentType: string | null | undefined): boolean {
  // KIE documents a JSON POST; an absent type is let through rather than lose a real callback over it.
  if (contentType === undefined || contentType === null || contentType.trim() === '') return true;
  const media = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function isFleetTarget(target: unknown): target is CallbackFleetTarget {
  return typeof (target as { pokeCallback?: unknown } | null)?.pokeCallback === 'function';
}

/** @internal */
export function createCallbackCore(
  target: CallbackPokeTarget | CallbackFleetTarget,
  options: CallbackHandlerOptions,
  name: string,
  requireKeyChoice: boolean,
): CallbackCore {
  const fleet = isFleetTarget(target) ? target : undefined;
  const local = fleet === undefined && typeof (target as CallbackPokeTarget | null)?.poke === 'function' ? (target as CallbackPokeTarget) : undefined;
  if (fleet === undefined && local === undefined) {
    throw new TypeError(`kie-watcher: ${name} needs a watcher (an object with poke(taskId, options)) or a RedisCoordinator`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`kie-watcher: ${name} options must be an object`);
  const hmacKey = checkHmacKey(options.hmacKey);
  const unsigned = options.unsigned ?? false;
  if (typeof unsigned !== 'boolean') throw new TypeError('kie-watcher: option `unsigned` must be a boolean when given');
  if (unsigned && hmacKey !== undefined) throw new TypeError('kie-watcher: give either `hmacKey` or `unsigned: true`, not both');
  if (requireKeyChoice && !unsigned && hmacKey === undefined) {
    throw new TypeError(`kie-watcher: ${name} needs \`hmacKey\` (the webhook HMAC key from the KIE dashboard), or \`unsigned: true\` to accept unsigned callbacks`);
  }
  const toleranceSec = checkTolerance(options.toleranceSec);
  const maxBodyBytes = checkNumber('maxBodyBytes', options.maxBodyBytes ?? CALLBACK_DEFAULTS.maxBodyBytes, 1, 64 * 1024 * 1024, true);
  const bodyTimeoutMs = checkNumber('bodyTimeoutMs', options.bodyTimeoutMs ?? CALLBACK_DEFAULTS.bodyTimeoutMs, 1, 600_000);
  const dedupeTtlMs = checkNumber('dedupeTtlMs', options.dedupeTtlMs ?? CALLBACK_DEFAULTS.dedupeTtlMs, 0, 7 * 86_400_000);
  const dedupeMaxEntries = checkNumber('dedupeMaxEntries', options.dedupeMaxEntries ?? CALLBACK_DEFAULTS.dedupeMaxEntries, 1, 10_000_000, true);
  const pokeIntervalMs = checkNumber('pokeIntervalMs', options.pokeIntervalMs ?? CALLBACK_DEFAULTS.pokeIntervalMs, 0, 600_000);
  const pokeTimeoutMs = checkNumber('pokeTimeoutMs', options.pokeTimeoutMs ?? CALLBACK_DEFAULTS.pokeTimeoutMs, 1, 60_000);
  const fixedFamily = options.family;
  if (fixedFamily !== undefined && (typeof fixedFamily !== 'string' || fixedFamily === '')) {
    throw new TypeError('kie-watcher: option `family` must be a non-empty string when given');
  }
  const logger = options.logger;
  const now = options.now ?? Date.now;
  const seen = new TtlSet(dedupeTtlMs, dedupeMaxEntries, now);
  const lastWarned = new Map<CallbackRejectionReason, number>();
  const json = (status: number, body: object, headers: Record<string, string> = {}): Reply => ({ status, body, headers });

  const poke = (taskId: string, family: string | undefined): void => {
    // Fire and forget: whatever the watcher does, the sender already has its 200.
    const failed = (err: unknown): void => {
      logger?.warn({ taskId, err: err instanceof Error ? err.message : String(err) }, 'poke after a KIE callback failed');
    };
    try {
      const result: unknown = local?.poke(taskId, family === undefined ? undefined : { family });
      if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, failed);
      }
    } catch (err) {
      failed(err);
    }
  };
  const coalescer = new PokeCoalescer(poke, pokeIntervalMs, MAX_COALESCED_TASKS, systemClock);

  const pokeFleet = async (target: CallbackFleetTarget, delivery: CallbackDelivery): Promise<Reply> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, rejectTimeout) => {
        timer = setTimeout(() => rejectTimeout(new Error(`the fleet did not answer within ${pokeTimeoutMs} ms`)), pokeTimeoutMs);
        (timer as { unref?: () => void }).unref?.();
      });
      const outcome = await Promise.race([target.pokeCallback(delivery), timeout]);
      logger?.debug({ taskId: delivery.taskId, family: delivery.family, poke: outcome }, 'KIE callback accepted');
      return outcome === 'duplicate' ? json(200, { ok: true, duplicate: true }) : json(200, { ok: true });
    } catch (err) {
      // Not written: forget it here too, so that the sender's next delivery is not taken for a replay.
      seen.delete(delivery.deliveryKey);
      logger?.warn({ taskId: delivery.taskId, err: err instanceof Error ? err.message : String(err) }, 'KIE callback not passed to the fleet: answered 503');
      return json(503, { error: 'fleet-unavailable' }, { 'retry-after': '5' });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    maxBodyBytes,
    bodyTimeoutMs,
    reject(err, remoteAddress) {
      const log = { reason: err.reason, status: err.status, taskId: err.taskId, remoteAddress };
      if (logger !== undefined) {
        const t = now();
        const last = lastWarned.get(err.reason);
        if (WARN_REASONS.has(err.reason) && (last === undefined || t - last >= WARN_EVERY_MS)) {
          lastWarned.set(err.reason, t);
          logger.warn(log, 'KIE callback rejected (further ones for this reason at debug for a minute)');
        } else {
          logger.debug(log, 'KIE callback rejected');
        }
      }
      return json(err.status, { error: err.reason }, err.reason === 'method-not-allowed' ? { allow: 'POST' } : {});
    },
    accept(headers, body, remoteAddress) {
      let checked: ReturnType<typeof verifyCallback>;
      try {
        checked = verifyCallback({
          headers,
          ...('raw' in body ? { rawBody: body.raw } : { parsedBody: body.parsed }),
          hmacKey,
          toleranceSec,
          now,
        });
      } catch (err) {
        if (err instanceof CallbackRejectedError) return this.reject(err, remoteAddress);
        throw err;
      }
      const { result } = checked;
      // A valid signature is a function of (taskId, timestamp), so that pair names a signed delivery exactly.
      const key =
        checked.timestampText !== null
          ? `s:${result.taskId}.${checked.timestampText}`
          : `b:${createHash('sha256')
              .update('raw' in body ? body.raw : JSON.stringify(body.parsed) ?? '')
              .digest('base64')}`;
      if (!seen.add(key)) {
        logger?.debug({ taskId: result.taskId }, 'KIE callback replayed: ignored');
        return json(200, { ok: true, duplicate: true });
      }
      const family = fixedFamily ?? result.family;
      if (fleet !== undefined) return pokeFleet(fleet, { taskId: result.taskId, family, deliveryKey: key, rememberMs: dedupeTtlMs });
      // Poked once the answer is on its way: a sync poke target cannot delay it.
      queueMicrotask(() => {
        const outcome = coalescer.request(result.taskId, family);
        logger?.debug({ taskId: result.taskId, family, code: result.code, poke: outcome }, 'KIE callback accepted');
      });
      return json(200, { ok: true });
    },
    fail(err) {
      logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'KIE callback handler failed: answered 500');
      return json(500, { error: 'internal' });
    },
    close() {
      coalescer.close();
      seen.clear();
    },
  };
}
