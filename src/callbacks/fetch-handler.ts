import { createCallbackCore, isJsonType } from './core.js';
import type { CallbackFleetTarget, CallbackHandlerOptions, CallbackPokeTarget, Reply } from './core.js';
import { CallbackRejectedError } from '../errors.js';
import { readCappedWeb } from './read-body.js';

/**
 * A KIE callback handler for the Fetch API: a function of a web `Request` that resolves to a `Response` (Next.js
 * route handlers, Hono, Bun, Deno, Cloudflare Workers). It never rejects: every outcome is an answer.
 */
export interface FetchCallbackHandler {
  (request: Request): Promise<Response>;
  /** Cancels pending trailing pokes and forgets the dedupe memory. Requests after it are still served. */
  close(): void;
}

function respond(reply: Reply): Response {
  return new Response(JSON.stringify(reply.body), {
    status: reply.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...reply.headers },
  });
}

/**
 * `createCallbackHandler` for the Fetch API: `export const POST = createFetchCallbackHandler(watcher, { hmacKey })`.
 *
 * The same answers as the Node handler: 200 for a valid callback (before the confirming poll; a replay is 200
 * and pokes nothing), 400 malformed, 401 a missing, bad or stale signature (no signature is needed only with
 * `unsigned: true`), 405 not a POST, 413 over `maxBodyBytes` (the body is read as a stream up to the cap, never
 * whole), 415 not JSON, 500 a body already read by someone else. With a watcher it pokes the watcher; with a
 * `RedisCoordinator` (a serverless function with no watcher) it pokes the fleet, and answers once that one
 * Redis write is done (503 when Redis cannot be reached, so that KIE delivers again).
 *
 * KIE signs only the taskId and the timestamp, not the body: the result always comes from the confirming poll.
 *
 * @throws {TypeError} for invalid options, or when neither `hmacKey` nor `unsigned: true` is given.
 */
export function createFetchCallbackHandler(target: CallbackPokeTarget | CallbackFleetTarget, options: CallbackHandlerOptions = {}): FetchCallbackHandler {
  const core = createCallbackCore(target, options, 'createFetchCallbackHandler', true);
  const refuse = (reason: ConstructorParameters<typeof CallbackRejectedError>[0], request: Request): Response => {
    // Nothing more is pulled from a body we will not read.
    if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => undefined);
    return respond(core.reject(new CallbackRejectedError(reason), undefined));
  };

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') return refuse('method-not-allowed', request);
    if (!isJsonType(request.headers.get('content-type'))) return refuse('unsupported-media-type', request);
    // A body read before the handler ran (`await request.json()` in the route) cannot be read again.
    if (request.bodyUsed) return respond(core.reject(new CallbackRejectedError('body-unavailable'), undefined));
    const declared = Number(request.headers.get('content-length') ?? undefined);
    if (declared > core.maxBodyBytes) return refuse('body-too-large', request);
    const body = await readCappedWeb(request.body, core.maxBodyBytes);
    if (body === 'too-large') return respond(core.reject(new CallbackRejectedError('body-too-large'), undefined));
    // The sender went away mid-body: nobody reads this answer.
    if (body === 'aborted') return respond(core.reject(new CallbackRejectedError('malformed-body'), undefined));
    return respond(await core.accept(request.headers, { raw: body }, undefined));
  };

  return Object.assign(
    async (request: Request): Promise<Response> => {
      try {
        return await handle(request);
      } catch (err) {
        return respond(core.fail(err));
      }
    },
    {
      close(): void {
        core.close();
      },
    },
  );
}
