import { Pool, type Dispatcher } from 'undici';
import { VERSION } from '../version.js';
import type { KeyRedactor } from './redact.js';
import { HostNotFoundError } from './host-not-found.js';

export const USER_AGENT = `kie-watcher/${VERSION} (+https://www.npmjs.com/package/kie-watcher; node ${process.versions.node})`;

/** One HTTP answer, read whole (within the size cap) but not interpreted. */
export interface RawAnswer {
  readonly statusCode: number;
  /** The `Retry-After` header, if any. */
  readonly retryAfter: string | null;
  readonly body: string;
  /** The body contains the API key in some spelling: whatever of it reaches a log or an error is redacted. */
  readonly echoesKey: boolean;
}

/** A keep-alive pool of `connections`, one request per connection (no pipelining: a queued request would arrive late). */
export function ownedPool(origin: string, connections: number, connectTimeoutMs: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 10_000, connectTimeout: connectTimeoutMs });
}

/** The body went past `maxResponseBytes`; the rest was not read. */
export class ResponseTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
    this.limit = limit;
  }
}

/** What every client of the API needs to reach it: base URL, key, pool size, timeouts, the body cap. */
export interface ApiConnectionOptions {
  readonly baseUrl: URL;
  readonly apiKey: string;
  readonly redactor: KeyRedactor;
  readonly dispatcher: Dispatcher | undefined;
  readonly connections: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly userAgent: string;
}

/**
 * The part every API client shares (undici's `PoolBase` idea): the origin and base path, the headers, an
 * owned keep-alive pool (or the injected dispatcher), its capacity, reading an answer within the cap, closing.
 */
export class ApiConnection {
  readonly opts: ApiConnectionOptions;
  readonly origin: string;
  readonly basePath: string;
  readonly headers: Record<string, string>;
  #pool: Pool | undefined;
  /** An answer came from the host: its name resolved, and a later `ENOTFOUND` is a DNS blip, retried. */
  #resolved = false;

  constructor(opts: ApiConnectionOptions) {
    this.opts = opts;
    this.origin = opts.baseUrl.origin;
    this.basePath = opts.baseUrl.pathname.replace(/\/+$/, '');
    this.headers = { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json', 'user-agent': opts.userAgent };
  }

  /**
   * Requests in flight at once that the dispatcher serves without queueing: the owned pool has one request per
   * connection (no pipelining), so more than `connections` would wait in its queue, counted by the limiter
   * but not yet sent, and arrive in a burst later. An injected dispatcher's capacity is the caller's business.
   */
  get capacity(): number {
    return this.opts.dispatcher ? Infinity : this.opts.connections;
  }

  dispatcher(): Dispatcher {
    if (this.opts.dispatcher) return this.opts.dispatcher;
    this.#pool ??= ownedPool(this.origin, this.opts.connections, this.opts.requestTimeoutMs);
    return this.#pool;
  }

  /** A request failed: `ENOTFOUND` for a name that never resolved becomes a {@link HostNotFoundError}. */
  failure(err: unknown): unknown {
    if (this.#resolved || typeof err !== 'object' || err === null || (err as { code?: unknown }).code !== 'ENOTFOUND') return err;
    return new HostNotFoundError(this.opts.baseUrl.hostname, err);
  }

  /** Reads an answer whole (within the cap): status, `Retry-After`, body, and whether the body echoes the key. */
  async answer(res: Dispatcher.ResponseData): Promise<RawAnswer> {
    this.#resolved = true;
    const body = await readCapped(res.body, res.headers['content-length'], this.opts.maxResponseBytes);
    const retryAfter = res.headers['retry-after'];
    return { statusCode: res.statusCode, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body, echoesKey: this.opts.redactor.echoes(body) };
  }

  /** Destroys the owned pool, aborting its requests; resolves once its sockets are gone. An injected dispatcher belongs to the caller. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.destroy().catch(() => undefined);
  }
}

export interface StatusClientOptions extends ApiConnectionOptions {
  /** Only used with an injected dispatcher: the owned pool is destroyed instead (cheaper than a listener per request). */
  readonly signal: AbortSignal;
}

/**
 * GETs status endpoints. Owns one keep-alive undici `Pool` for the base URL's origin (its `pool.request`
 * costs an eighth of `fetch`'s CPU, see docs/design.md) unless a dispatcher is injected. The pool lives as
 * long as the watcher: idle sockets are unref'd by undici and closed after the keep-alive timeout, so an
 * idle watcher keeps its connection warm without keeping the process alive.
 */
export class StatusClient {
  readonly #conn: ApiConnection;
  readonly #signal: AbortSignal;
  readonly #prefixes = new Map<string, string>();

  constructor(opts: StatusClientOptions) {
    this.#conn = new ApiConnection(opts);
    this.#signal = opts.signal;
  }

  /** See {@link ApiConnection.capacity}. */
  get capacity(): number {
    return this.#conn.capacity;
  }

  #path(familyPath: string, taskId: string): string {
    let prefix = this.#prefixes.get(familyPath);
    if (prefix === undefined) {
      prefix = `${this.#conn.basePath}${familyPath}?taskId=`;
      this.#prefixes.set(familyPath, prefix);
    }
    return prefix + encodeURIComponent(taskId);
  }

  /** One GET. Rejects on network errors, timeouts and oversized bodies; any HTTP status resolves. */
  async get(familyPath: string, taskId: string): Promise<RawAnswer> {
    const conn = this.#conn;
    let res: Dispatcher.ResponseData;
    try {
      res = await conn.dispatcher().request({
        origin: conn.origin,
        path: this.#path(familyPath, taskId),
        method: 'GET',
        headers: conn.headers,
        headersTimeout: conn.opts.requestTimeoutMs,
        bodyTimeout: conn.opts.requestTimeoutMs,
        ...(conn.opts.dispatcher ? { signal: this.#signal } : {}),
      });
    } catch (err) {
      throw conn.failure(err);
    }
    return conn.answer(res);
  }

  /** Destroys the owned pool, aborting its requests; resolves once its sockets are gone. An injected dispatcher belongs to the caller. */
  close(): Promise<void> {
    return this.#conn.close();
  }
}

/** Reads a body whole, refusing one larger than `limit` bytes (declared or streamed). */
export async function readCapped(body: Dispatcher.ResponseData['body'], contentLength: string | string[] | undefined, limit: number): Promise<string> {
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
