import { ApiConnection, type ApiConnectionOptions, type RawAnswer } from '../transport/client.js';

/** Its `connections`: creates in flight never exceed them, so none waits in the pool's queue. */
export type CreateClientOptions = ApiConnectionOptions;

/** Errors raised before a single byte of the request left: nothing can have been created. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** `true` when `err` proves the request never reached the server (connection refused, no such host, connect timeout). */
export function failedBeforeSending(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  // Happy eyeballs (several addresses) reports every refused address together.
  const errors = (err as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every(failedBeforeSending);
}

/**
 * POSTs creates and GETs the credit balance. Its own keep-alive pool, apart from the status polls': a create
 * held by a slow answer must not take a connection that a counted poll is about to use, and the reverse.
 */
export class CreateClient {
  readonly #conn: ApiConnection;

  constructor(opts: CreateClientOptions) {
    this.#conn = new ApiConnection(opts);
  }

  /** Creates in flight at once without queueing in the dispatcher. */
  get capacity(): number {
    return this.#conn.capacity;
  }

  /** One POST of a JSON body. Rejects on network errors and timeouts; any HTTP status resolves. */
  post(path: string, body: string): Promise<RawAnswer> {
    return this.#send('POST', path, body);
  }

  /** One GET. */
  get(path: string): Promise<RawAnswer> {
    return this.#send('GET', path, undefined);
  }

  async #send(method: 'GET' | 'POST', path: string, body: string | undefined): Promise<RawAnswer> {
    const conn = this.#conn;
    const res = await conn.dispatcher().request({
      origin: conn.origin,
      path: conn.basePath + path,
      method,
      headers: body === undefined ? conn.headers : { ...conn.headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      headersTimeout: conn.opts.requestTimeoutMs,
      bodyTimeout: conn.opts.requestTimeoutMs,
    });
    return conn.answer(res);
  }

  /** Destroys the owned pool; resolves once its sockets are gone. */
  close(): Promise<void> {
    return this.#conn.close();
  }
}
