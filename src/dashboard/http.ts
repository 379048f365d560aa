import type { IncomingMessage, ServerResponse } from 'node:http';
import { COOKIE, type TokenGate } from './auth.js';
import type { Hub, Subscriber } from './hub.js';
import { CONTENT_SECURITY_POLICY, renderPage } from './page.js';
import { isLoopbackHost } from '../validate.js';
import type { DashboardSource } from './types.js';

/** What a route answers: a complete body, or an event stream. */
type Reply =
  | { readonly status: number; readonly headers: Record<string, string>; readonly body: string }
  | { readonly status: 200; readonly headers: Record<string, string>; readonly stream: true };

const SEARCH_LIMIT = 50;

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

const json = (status: number, value: unknown): Reply => ({ status, headers: { ...COMMON, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) });
const text = (status: number, body: string, extra: Record<string, string> = {}): Reply => ({
  status,
  headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8', ...extra },
  body: `${body}\n`,
});

/** The `Host` header names a loopback host (its port dropped): a page asked for under another name is a DNS rebinding. */
function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  return isLoopbackHost(host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, ''));
}

/** The routing of both handlers, free of either request type. */
export class Router {
  readonly #hub: Hub;
  readonly #source: () => Promise<DashboardSource>;
  readonly #gate: TokenGate;
  readonly #basePath: string;
  readonly #loopbackOnly: boolean;

  constructor(hub: Hub, source: () => Promise<DashboardSource>, gate: TokenGate, basePath: string, loopbackOnly: boolean) {
    this.#hub = hub;
    this.#source = source;
    this.#gate = gate;
    this.#basePath = basePath;
    this.#loopbackOnly = loopbackOnly;
  }

  async route(method: string, url: URL, header: (name: string) => string | undefined, fullPath: string): Promise<Reply> {
    // A page on loopback without a token is still reachable from a web page the user visits, through DNS
    // rebinding: only requests that name a loopback host get through.
    if (this.#loopbackOnly && !isLoopbackHostHeader(header('host'))) return text(403, 'kie-watcher dashboard: this dashboard answers only requests to localhost / 127.0.0.1');
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'kie-watcher dashboard: read-only (GET and HEAD only)', { allow: 'GET, HEAD' });
    let path = url.pathname;
    if (this.#basePath !== '' && path.startsWith(this.#basePath)) path = path.slice(this.#basePath.length);
    if (path === '') path = '/';
    let cookie: string | undefined;
    if (!this.#gate.allows(header)) {
      const once = url.searchParams.get('once');
      cookie = path === '/' && once !== null ? this.#gate.redeem(once) : undefined;
      if (cookie === undefined) return text(401, 'kie-watcher dashboard: a token is needed (Authorization: Bearer <token>), or open a fresh one-time link', { 'www-authenticate': 'Bearer' });
    }
    switch (path) {
      case '/': {
        const base = fullPath.endsWith('/') ? fullPath : `${fullPath}/`;
        const headers: Record<string, string> = { ...COMMON, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY };
        if (cookie !== undefined) headers['set-cookie'] = `${COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=${base}`;
        return { status: 200, headers, body: renderPage(base) };
      }
      case '/api/summary':
        return json(200, await this.#hub.summary());
      case '/api/tasks': {
        const q = (url.searchParams.get('q') ?? '').trim();
        if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(q)) return json(400, { error: 'q must be 1 to 128 characters of A-Z a-z 0-9 _ . : -' });
        return json(200, { tasks: await (await this.#source()).search(q, SEARCH_LIMIT) });
      }
      case '/api/events':
        return { status: 200, headers: { ...COMMON, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' }, stream: true };
      default:
        return text(404, 'kie-watcher dashboard: not found');
    }
  }

  /** Answers `(req, res)`, Node's http handler shape (Express, Fastify's raw, `http.createServer`). */
  node(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Express strips its mount path from req.url; the page's own links need the whole path.
    const full = new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://localhost').pathname;
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    };
    this.route(req.method ?? 'GET', url, header, full).then(
      (reply) => {
        res.writeHead(reply.status, reply.headers);
        if (!('stream' in reply)) {
          res.end(req.method === 'HEAD' ? undefined : reply.body);
          return;
        }
        res.write('retry: 2000\n\n');
        const subscriber: Subscriber = { send: (frame) => void res.write(frame), end: () => res.end() };
        const unsubscribe = this.#hub.subscribe(subscriber);
        res.on('close', unsubscribe);
      },
      (err: unknown) => {
        if (res.headersSent) res.end();
        else {
          const r = json(503, { error: `cannot read the fleet: ${err instanceof Error ? err.message : String(err)}` }) as { status: number; headers: Record<string, string>; body: string };
          res.writeHead(r.status, r.headers).end(r.body);
        }
      },
    );
  }

  /** Answers a Fetch `Request` (Hono, Bun, Deno, workers' style). */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let reply: Reply;
    try {
      reply = await this.route(request.method, url, (name) => request.headers.get(name) ?? undefined, url.pathname);
    } catch (err) {
      const r = json(503, { error: `cannot read the fleet: ${err instanceof Error ? err.message : String(err)}` }) as { status: number; headers: Record<string, string>; body: string };
      return new Response(r.body, { status: r.status, headers: r.headers });
    }
    if (!('stream' in reply)) return new Response(request.method === 'HEAD' ? null : reply.body, { status: reply.status, headers: reply.headers });
    const hub = this.#hub;
    const encoder = new TextEncoder();
    let unsubscribe: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('retry: 2000\n\n'));
        unsubscribe = hub.subscribe({
          send: (frame) => {
            try {
              controller.enqueue(encoder.encode(frame));
            } catch {
              unsubscribe?.();
            }
          },
          end: () => {
            try {
              controller.close();
            } catch {
              // already closed
            }
          },
        });
        request.signal.addEventListener('abort', () => {
          unsubscribe?.();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel() {
        unsubscribe?.();
      },
    });
    return new Response(stream, { status: 200, headers: reply.headers });
  }
}
