import type { IncomingMessage, ServerResponse } from 'node:http';
import { createCallbackCore, isJsonType } from './core.js';
import type { CallbackBody, CallbackFleetTarget, CallbackHandlerOptions, CallbackPokeTarget, Reply } from './core.js';
import { CallbackRejectedError } from '../errors.js';
import { readCappedNode } from './read-body.js';

/** A request listener for `node:http`, and an Express middleware (the `next` argument is never called). */
export interface CallbackHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** Cancels pending trailing pokes and forgets the dedupe memory. Requests after it are still served. */
  close(): void;
}

/** What a framework may have left on the request. */
interface FrameworkRequest extends IncomingMessage {
  rawBody?: unknown;
  body?: unknown;
}

function send(res: ServerResponse, reply: Reply, closeConnection = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(reply.body);
  // An unread body must not be drained at the sender's pace: close the connection after answering.
  const extra = closeConnection ? { ...reply.headers, connection: 'close' } : reply.headers;
  res.writeHead(reply.status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** The body as something upstream left it, or `undefined` when the stream is still unread and ours to read. */
function bodyAlreadyRead(req: FrameworkRequest): CallbackBody | 'unavailable' | undefined {
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

/**
 * A handler for KIE callbacks: verifies each (see `verifyKieCallback`), answers at once, then pokes the task
 * so that the watcher confirms the outcome with a poll (the body is never trusted for the result).
 *
 * Answers: 200 accepted (also for a replay, which pokes nothing), 400 malformed JSON, a non-object or no
 * taskId, 401 a missing, bad or stale signature, 405 not a POST, 413 over `maxBodyBytes`, 415 not JSON.
 * Mount it as a `node:http` request listener, as an Express route (with or without a body parser before it)
 * or in Fastify (see docs/callbacks.md). With a `RedisCoordinator` instead of a watcher it pokes the fleet
 * and answers once that write is done (503 when Redis cannot be reached).
 */
export function createCallbackHandler(watcher: CallbackPokeTarget | CallbackFleetTarget, options: CallbackHandlerOptions = {}): CallbackHandler {
  const core = createCallbackCore(watcher, options, 'createCallbackHandler', false);
  const reject = (req: IncomingMessage, res: ServerResponse, err: CallbackRejectedError, closeConnection: boolean): void => {
    send(res, core.reject(err, req.socket?.remoteAddress), closeConnection);
  };
  const accept = (req: IncomingMessage, res: ServerResponse, body: CallbackBody): void => {
    const reply = core.accept(req.headersDistinct ?? req.headers, body, req.socket?.remoteAddress);
    if (!(reply instanceof Promise)) send(res, reply);
    else reply.then((r) => send(res, r), (err: unknown) => send(res, core.fail(err)));
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
      if (size > core.maxBodyBytes) reject(req, res, new CallbackRejectedError('body-too-large'), false);
      else accept(req, res, early);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > core.maxBodyBytes) {
      reject(req, res, new CallbackRejectedError('body-too-large'), true);
      return;
    }
    readCappedNode(req, core.maxBodyBytes, core.bodyTimeoutMs, (body) => {
      if (body === 'aborted') return;
      if (body === 'too-large') reject(req, res, new CallbackRejectedError('body-too-large'), true);
      else if (body === 'timeout') {
        reject(req, res, new CallbackRejectedError('body-timeout'), true);
        // The sender may keep trickling: once the 408 is out, the connection goes, not just after its last byte.
        res.once('finish', () => req.socket?.destroy());
      } else accept(req, res, { raw: body });
    });
  };

  return Object.assign(
    (req: IncomingMessage, res: ServerResponse, _next?: (err?: unknown) => void): void => {
      try {
        handler(req, res);
      } catch (err) {
        send(res, core.fail(err));
      }
    },
    {
      close(): void {
        core.close();
      },
    },
  );
}
