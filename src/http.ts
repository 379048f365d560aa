import { Pool, type Dispatcher } from 'undici';
import type { RawResponse } from './classify.js';
import { VERSION } from './version.js';

export const RECORD_INFO_PATH = '/api/v1/gpt4o-image/record-info';
export const USER_AGENT = `kie-watcher/${VERSION} (+https://www.npmjs.com/package/kie-watcher; node ${process.versions.node})`;

/** The body went past `maxResponseBytes`; the rest was not read. */
export class ResponseTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
    this.limit = limit;
  }
}

export interface RecordInfoClientOptions {
  readonly baseUrl: URL;
  readonly apiKey: string;
  readonly dispatcher: Dispatcher | undefined;
  readonly connections: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly userAgent: string;
}

/**
 * Fetches record-info answers. Owns a keep-alive undici `Pool` for the base URL's origin (its
 * `pool.request` costs an eighth of `fetch`'s CPU, see docs/design.md) unless a dispatcher is injected.
 * The pool is closed when the watcher goes idle, so an idle watcher holds no socket.
 */
export class RecordInfoClient {
  readonly #opts: RecordInfoClientOptions;
  readonly #origin: string;
  readonly #pathPrefix: string;
  readonly #headers: Record<string, string>;
  #pool: Pool | undefined;

  constructor(opts: RecordInfoClientOptions) {
    this.#opts = opts;
    this.#origin = opts.baseUrl.origin;
    this.#pathPrefix = opts.baseUrl.pathname.replace(/\/+$/, '') + RECORD_INFO_PATH + '?taskId=';
    this.#headers = {
      authorization: `Bearer ${opts.apiKey}`,
      accept: 'application/json',
      'user-agent': opts.userAgent,
    };
  }

  #dispatcher(): Dispatcher {
    if (this.#opts.dispatcher) return this.#opts.dispatcher;
    this.#pool ??= new Pool(this.#origin, {
      connections: this.#opts.connections,
      keepAliveTimeout: 10_000,
      connectTimeout: this.#opts.requestTimeoutMs,
    });
    return this.#pool;
  }

  /** One GET. Rejects on network errors, timeouts and oversized bodies; any HTTP status resolves. */
  async get(taskId: string, signal: AbortSignal): Promise<RawResponse> {
    const res = await this.#dispatcher().request({
      origin: this.#origin,
      path: this.#pathPrefix + encodeURIComponent(taskId),
      method: 'GET',
      headers: this.#headers,
      headersTimeout: this.#opts.requestTimeoutMs,
      bodyTimeout: this.#opts.requestTimeoutMs,
      // The owned pool is destroyed on close, which aborts its requests; a listener per request on a
      // shared signal costs measurable CPU at thousands of polls/s, so only injected dispatchers get one.
      ...(this.#opts.dispatcher ? { signal } : {}),
    });
    let body = await readCapped(res.body, res.headers['content-length'], this.#opts.maxResponseBytes);
    // Some APIs echo the credential back in error messages; nothing downstream (events, errors, logs) may see it.
    if (body.includes(this.#opts.apiKey)) body = body.replaceAll(this.#opts.apiKey, '[redacted]');
    const retryAfter = res.headers['retry-after'];
    return { statusCode: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body };
  }

  /**
   * Closes the owned pool (an injected dispatcher belongs to the caller); the next `get` opens a new one.
   * `force` aborts requests still in flight instead of letting them finish.
   */
  async release(force: boolean): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await (force ? pool.destroy() : pool.close()).catch(() => undefined);
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined, limit: number): Promise<string> {
  if (typeof contentLength === 'string') {
    if (Number(contentLength) > limit) {
      body.destroy();
      throw new ResponseTooLargeError(limit);
    }
    // A declared length within the cap bounds what undici reads (it refuses a longer body), and the whole-body
    // read skips the per-chunk async iteration that dominates small answers.
    if (/^\d+$/.test(contentLength)) return body.text();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}
