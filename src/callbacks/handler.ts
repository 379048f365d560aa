import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../clock.js';
import { checkNumber } from '../validate.js';
import { CallbackRejectedError } from '../errors.js';
import type { CallbackRejectionReason } from './rejections.js';
import { PokeCoalescer } from './poke-coalescer.js';
import type { HmacKey } from './sign.js';
import { TtlSet } from './ttl-set.js';
import { checkHmacKey, checkTolerance, verifyCallback } from './verify.js';

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

/** A pino-compatible logger; the handler never logs the key, a signature or a body. */
export interface CallbackLogger {
  /** Accepted callbacks, replays, and rejections (signature ones after the first per reason and minute). */
  debug(obj: object, msg?: string): void;
  /** Not used by the handler today; required so that any leveled logger fits. */
  info(obj: object, msg?: string): void;
  /** A failing poke, and the first signature-related rejection per reason and minute. */
  warn(obj: object, msg?: string): void;
  /** Not used by the handler today; required so that any leveled logger fits. */
  error(obj: object, msg?: string): void;
}

/** Options of {@link createCallbackHandler}. */
export interface CallbackHandlerOptions {
  /** The webhook HMAC key; when given, unsigned and badly signed callbacks get 401. @default none (unsigned accepted) */
  readonly hmacKey?: HmacKey | undefined;
  /** Allowed distance of `X-Webhook-Timestamp` from now, past or future, in seconds. @default 300 */
  readonly toleranceSec?: number | undefined;
  /** Bodies over this many bytes get 413; reading stops at the cap. @default 65536 */
  readonly maxBodyBytes?: number | undefined;
  /**
   * The family to poke with, for an endpoint that receives one family's callbacks only. Without it the family
   * is guessed from the body (market and Suno bodies say; others do not, and the watcher uses its own).
   * @default guessed from the body
   */
  readonly family?: string | undefined;
  /** How long a delivered callback is remembered, so that a replay gets 200 and no poke. @default 600000 */
  readonly dedupeTtlMs?: number | undefined;
  /** Most callbacks remembered for dedupe; the oldest are forgotten first. @default 10000 */
  readonly dedupeMaxEntries?: number | undefined;
  /**
   * At most one poke per task per this interval: more callbacks for the task meanwhile become one poke when it
   * ends. 0 pokes for every callback that is not a replay. @default 1000
   */
  readonly pokeIntervalMs?: number | undefined;
  /** @default silent */
  readonly logger?: CallbackLogger | undefined;
  /** Epoch ms, for the timestamp tolerance and the dedupe TTL. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A request listener for `node:http`, and an Express middleware (the `next` argument is never called). */
export interface CallbackHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** Cancels pending trailing pokes and forgets the dedupe memory. Requests after it are still served. */
  close(): void;
}

/** Defaults of {@link CallbackHandlerOptions}. */
export const CALLBACK_DEFAULTS = {
  /** {@inheritDoc CallbackHandlerOptions.maxBodyBytes} */
  maxBodyBytes: 64 * 1024,
  /** {@inheritDoc CallbackHandlerOptions.dedupeTtlMs} */
  dedupeTtlMs: 600_000,
  /** {@inheritDoc CallbackHandlerOptions.dedupeMaxEntries} */
  dedupeMaxEntries: 10_000,
  /** {@inheritDoc CallbackHandlerOptions.pokeIntervalMs} */
  pokeIntervalMs: 1000,
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

type Body = { readonly raw: Buffer | string } | { readonly parsed: unknown };

/** What a framework may have left on the request. */
interface FrameworkRequest extends IncomingMessage {
  rawBody?: unknown;
  body?: unknown;
}

function isJsonType(contentType: string | undefined): boolean {
  // KIE documents a JSON POST; an absent type is let through rather than lose a real callback over it.
  if (contentType === undefined || contentType.trim() === '') return true;
  const media = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function send(res: ServerResponse, status: number, value: object, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** The body as something upstream left it, or `undefined` when the stream is still unread and ours to read. */
function bodyAlreadyRead(req: FrameworkRequest): Body | 'unavailable' | undefined {
  const rawBody = req.rawBody;
  if (Buffer.isBuffer(rawBody) || typeof rawBody === 'string') return { raw: rawBody };
  if (rawBody instanceof Uint8Array) return { raw: Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength) };
  // Express 4's json() sets `req.body = {}` even when it skips a request: an unread stream wins over that.
  if (!req.readableDidRead && !req.readableEnded) return undefined;
  const body = req.body;
  if (Buffer.isBuffer(body) || typeof body === 'string') return { raw: body };
  if (body instanceof Uint8Array) return { raw: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  if (body !== undefined && body !== null) return { parsed: body };
  return 'unavailable';
}

function readCapped(req: IncomingMessage, cap: number, done: (body: Buffer | 'too-large' | 'aborted') => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (result: Buffer | 'too-large' | 'aborted'): void => {
    if (finished) return;
    finished = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onClose);
    done(result);
  };
  const onData = (chunk: Buffer | string): void => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > cap) {
      // Stop here: the rest is neither read nor buffered, and the connection is closed after the 413.
      req.pause();
      chunks.length = 0;
      finish('too-large');
      return;
    }
    chunks.push(buffer);
  };
  const onEnd = (): void => finish(Buffer.concat(chunks, size));
  const onClose = (): void => finish('aborted');
  // Kept for good: a reset after we stopped listening must not become an unhandled 'error'.
  req.on('error', () => undefined);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onClose);
}

/**
 * A handler for KIE callbacks: verifies each (see `verifyKieCallback`), answers at once, then pokes the task
 * so that the watcher confirms the outcome with a poll (the body is never trusted for the result).
 *
 * Answers: 200 accepted (also for a replay, which pokes nothing), 400 malformed JSON, a non-object or no
 * taskId, 401 a missing, bad or stale signature, 405 not a POST, 413 over `maxBodyBytes`, 415 not JSON.
 * Mount it as a `node:http` request listener, as an Express route (with or without a body parser before it)
 * or in Fastify (see docs/callbacks.md).
 */
export function createCallbackHandler(watcher: CallbackPokeTarget, options: CallbackHandlerOptions = {}): CallbackHandler {
  if (typeof watcher?.poke !== 'function') throw new TypeError('kie-watcher: createCallbackHandler needs an object with a poke(taskId, options) method');
  const hmacKey = checkHmacKey(options.hmacKey);
  const toleranceSec = checkTolerance(options.toleranceSec);
  const maxBodyBytes = checkNumber('maxBodyBytes', options.maxBodyBytes ?? CALLBACK_DEFAULTS.maxBodyBytes, 1, 64 * 1024 * 1024, true);
  const dedupeTtlMs = checkNumber('dedupeTtlMs', options.dedupeTtlMs ?? CALLBACK_DEFAULTS.dedupeTtlMs, 0, 7 * 86_400_000);
  const dedupeMaxEntries = checkNumber('dedupeMaxEntries', options.dedupeMaxEntries ?? CALLBACK_DEFAULTS.dedupeMaxEntries, 1, 10_000_000, true);
  const pokeIntervalMs = checkNumber('pokeIntervalMs', options.pokeIntervalMs ?? CALLBACK_DEFAULTS.pokeIntervalMs, 0, 600_000);
  const fixedFamily = options.family;
  if (fixedFamily !== undefined && (typeof fixedFamily !== 'string' || fixedFamily === '')) {
    throw new TypeError('kie-watcher: option `family` must be a non-empty string when given');
  }
  const logger = options.logger;
  const now = options.now ?? Date.now;
  const seen = new TtlSet(dedupeTtlMs, dedupeMaxEntries, now);
  const lastWarned = new Map<CallbackRejectionReason, number>();

  const poke = (taskId: string, family: string | undefined): void => {
    // Fire and forget: whatever the watcher does, the sender already has its 200.
    const failed = (err: unknown): void => {
      logger?.warn({ taskId, err: err instanceof Error ? err.message : String(err) }, 'poke after a KIE callback failed');
    };
    try {
      const result: unknown = watcher.poke(taskId, family === undefined ? undefined : { family });
      if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, failed);
      }
    } catch (err) {
      failed(err);
    }
  };
  const coalescer = new PokeCoalescer(poke, pokeIntervalMs, MAX_COALESCED_TASKS, systemClock);

  const reject = (req: IncomingMessage, res: ServerResponse, err: CallbackRejectedError, closeConnection: boolean): void => {
    const log = { reason: err.reason, status: err.status, taskId: err.taskId, remoteAddress: req.socket?.remoteAddress };
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
    const extra: Record<string, string> = err.reason === 'method-not-allowed' ? { allow: 'POST' } : {};
    // An unread body must not be drained at the sender's pace: close the connection after answering.
    if (closeConnection) extra['connection'] = 'close';
    send(res, err.status, { error: err.reason }, extra);
  };

  const accept = (req: IncomingMessage, res: ServerResponse, body: Body): void => {
    let checked: ReturnType<typeof verifyCallback>;
    try {
      checked = verifyCallback({
        headers: req.headersDistinct ?? req.headers,
        ...('raw' in body ? { rawBody: body.raw } : { parsedBody: body.parsed }),
        hmacKey,
        toleranceSec,
        now,
      });
    } catch (err) {
      if (err instanceof CallbackRejectedError) {
        reject(req, res, err, false);
        return;
      }
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
      send(res, 200, { ok: true, duplicate: true });
      return;
    }
    send(res, 200, { ok: true });
    const family = fixedFamily ?? result.family;
    const outcome = coalescer.request(result.taskId, family);
    logger?.debug({ taskId: result.taskId, family, code: result.code, poke: outcome }, 'KIE callback accepted');
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      reject(req, res, new CallbackRejectedError('method-not-allowed'), true);
      return;
    }
    if (!isJsonType(req.headers['content-type'])) {
      reject(req, res, new CallbackRejectedError('unsupported-media-type'), true);
      return;
    }
    const early = bodyAlreadyRead(req as FrameworkRequest);
    if (early === 'unavailable') {
      reject(req, res, new CallbackRejectedError('body-unavailable'), false);
      return;
    }
    if (early !== undefined) {
      const size = 'raw' in early ? Buffer.byteLength(early.raw) : 0;
      if (size > maxBodyBytes) reject(req, res, new CallbackRejectedError('body-too-large'), false);
      else accept(req, res, early);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      reject(req, res, new CallbackRejectedError('body-too-large'), true);
      return;
    }
    readCapped(req, maxBodyBytes, (body) => {
      if (body === 'aborted') return;
      if (body === 'too-large') reject(req, res, new CallbackRejectedError('body-too-large'), true);
      else accept(req, res, { raw: body });
    });
  };

  return Object.assign((req: IncomingMessage, res: ServerResponse, _next?: (err?: unknown) => void): void => handler(req, res), {
    close(): void {
      coalescer.close();
      seen.clear();
    },
  });
}
