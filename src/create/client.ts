import type { Dispatcher, Pool } from 'undici';
import { ownedPool, readCapped, type RawAnswer } from '../transport/client.js';
import type { KeyRedactor } from '../transport/redact.js';

export interface CreateClientOptions {
  readonly baseUrl: URL;
  readonly apiKey: string;
  readonly redactor: KeyRedactor;
  readonly dispatcher: Dispatcher | undefined;
  /** Connections of the owned pool: creates in flight never exceed it, so none waits in the pool's queue. */
  readonly connections: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly userAgent: string;
}

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
  readonly #opts: CreateClientOptions;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  #pool: Pool | undefined;

  constructor(opts: CreateClientOptions) {
    this.#opts = opts;
    this.#origin = opts.baseUrl.origin;
    this.#basePath = opts.baseUrl.pathname.replace(/\/+$/, '');
    this.#headers = { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json', 'user-agent': opts.userAgent };
  }

  /** Creates in flight at once without queueing in the dispatcher. */
  get capacity(): number {
    return this.#opts.dispatcher ? Infinity : this.#opts.connections;
  }

  #dispatcher(): Dispatcher {
    if (this.#opts.dispatcher) return this.#opts.dispatcher;
    this.#pool ??= ownedPool(this.#origin, this.#opts.connections, this.#opts.requestTimeoutMs);
    return this.#pool;
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
    const res = await this.#dispatcher().request({
      origin: this.#origin,
      path: this.#basePath + path,
      method,
      headers: body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      headersTimeout: this.#opts.requestTimeoutMs,
      bodyTimeout: this.#opts.requestTimeoutMs,
    });
    const text = await readCapped(res.body, res.headers['content-length'], this.#opts.maxResponseBytes);
    const retryAfter = res.headers['retry-after'];
    return { statusCode: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body: text, echoesKey: this.#opts.redactor.echoes(text) };
  }

  /** Destroys the owned pool; resolves once its sockets are gone. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.destroy().catch(() => undefined);
  }
}
