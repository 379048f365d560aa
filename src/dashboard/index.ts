/**
 * `kie-watcher/dashboard`: a read-only live page of a fleet (or of one watcher), as a Node `(req, res)` handler
 * and a Fetch handler. See docs/dashboard.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { FleetConnection } from '../redis/coordinator.js';
import { checkName } from '../redis/keys.js';
import { TokenGate } from './auth.js';
import { Router } from './http.js';
import { Hub } from './hub.js';
import { RedisSource } from './redis-source.js';
import type { DashboardSource, DashboardSummary } from './types.js';
import { WatcherSource, type WatcherLike } from './watcher-source.js';

export type {
  DashboardAccount,
  DashboardBreakdown,
  DashboardBudget,
  DashboardProcess,
  DashboardResult,
  DashboardSeries,
  DashboardSettled,
  DashboardSummary,
  DashboardTask,
} from './types.js';
export type { FleetConnection } from '../redis/coordinator.js';
export type { WatcherLike } from './watcher-source.js';
export { CONTENT_SECURITY_POLICY } from './page.js';

/** Options of {@link createDashboard}: exactly one of `redis`, `coordinator` or `watcher`. */
export interface DashboardOptions {
  /** A fleet's Redis: a URL (a connection is made, and closed by `close()`) or an ioredis client (left open). */
  readonly redis?: string | Redis | undefined;
  /** With `redis`: the fleet's key prefix; every account under it is shown. @default 'kie' */
  readonly prefix?: string | undefined;
  /** A fleet, through the `RedisCoordinator` its watchers use (its Redis and prefix). */
  readonly coordinator?: DashboardCoordinator | undefined;
  /** One `TaskWatcher` in this process, without Redis. */
  readonly watcher?: WatcherLike | undefined;
  /**
   * Every request must carry it (`Authorization: Bearer <token>`), or the cookie a one-time link from `link()`
   * set. At least 16 characters. @default none: anyone who reaches the handler sees the page
   */
  readonly token?: string | undefined;
  /** The path the handler is mounted under when the request URL still contains it (Hono, Fetch). @default '' */
  readonly basePath?: string | undefined;
  /** How often the shared reader reads while a page is open, ms. @default 1000 */
  readonly refreshMs?: number | undefined;
  /**
   * Answer only requests whose `Host` is localhost, 127.x.x.x or [::1] (against DNS rebinding, for a server
   * bound to loopback without a token). @default false
   */
  readonly loopbackHostOnly?: boolean | undefined;
}

/** What the dashboard needs of a `RedisCoordinator`. */
export interface DashboardCoordinator {
  /** Its Redis and prefix. */
  readonly connection: FleetConnection;
}

/** A dashboard: two handler shapes over one shared reader. */
export interface Dashboard {
  /** Node's `(req, res)` handler: `http.createServer(d.node)`, `app.use('/fleet', d.node)` (Express). */
  readonly node: (req: IncomingMessage, res: ServerResponse) => void;
  /** The Fetch handler: `(request) => Promise<Response>` (Hono: `app.all('/fleet/*', (c) => d.fetch(c.req.raw))`). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** What `GET /api/summary` answers. */
  summary(): Promise<DashboardSummary>;
  /** A one-time link's query (`?once=<code>`): opening the page with it sets a session cookie; works once, for 10 minutes. */
  link(): string;
  /** Open event streams (tabs). */
  readonly tabs: number;
  /** Reads of the source so far: one per refresh whatever the number of tabs. */
  readonly reads: number;
  /** Ends the event streams and closes the Redis connection it made. */
  close(): Promise<void>;
}

const DEFAULTS = { prefix: 'kie', basePath: '', refreshMs: 1000 } as const;

async function redisSource(redis: string | Redis, prefix: string): Promise<DashboardSource> {
  if (typeof redis !== 'string') return new RedisSource(redis, prefix, false);
  let lib: { Redis: typeof Redis };
  try {
    lib = await import('ioredis');
  } catch {
    throw new Error('kie-watcher: the dashboard of a fleet needs ioredis (npm install ioredis)');
  }
  const client = new lib.Redis(redis, { maxRetriesPerRequest: 1, connectionName: 'kie-dashboard', lazyConnect: false });
  client.on('error', () => undefined);
  return new RedisSource(client, prefix, true);
}

/**
 * A read-only dashboard of a fleet on Redis (`redis` or `coordinator`) or of one watcher (`watcher`). Routes:
 * `GET /` the page, `GET /api/summary` JSON, `GET /api/events` Server-Sent Events, `GET /api/tasks?q=` search.
 * Nothing it answers changes the fleet; neither API key nor HMAC key is ever read by it.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  if (typeof options !== 'object' || options === null) throw new TypeError('kie-watcher: createDashboard options must be an object');
  const given = [options.redis, options.coordinator, options.watcher].filter((x) => x !== undefined).length;
  if (given !== 1) throw new TypeError('kie-watcher: createDashboard needs exactly one of `redis`, `coordinator` or `watcher`');
  const refreshMs = options.refreshMs ?? DEFAULTS.refreshMs;
  if (typeof refreshMs !== 'number' || !Number.isFinite(refreshMs) || refreshMs < 100 || refreshMs > 60_000) throw new TypeError('kie-watcher: refreshMs must be a number in [100, 60000]');
  const basePath = (options.basePath ?? DEFAULTS.basePath).replace(/\/+$/, '');
  if (typeof basePath !== 'string' || (basePath !== '' && !basePath.startsWith('/'))) throw new TypeError("kie-watcher: basePath must start with '/'");
  const gate = new TokenGate(options.token);

  let pending: Promise<DashboardSource>;
  if (options.watcher !== undefined) {
    const w = options.watcher;
    if (typeof w.stats !== 'function' || typeof w.on !== 'function') throw new TypeError('kie-watcher: `watcher` must be a TaskWatcher');
    pending = Promise.resolve(new WatcherSource(w));
  } else {
    const conn = options.coordinator?.connection ?? { redis: options.redis as string | Redis, prefix: options.prefix ?? DEFAULTS.prefix };
    if (typeof conn.redis !== 'string' && (typeof conn.redis !== 'object' || conn.redis === null)) throw new TypeError('kie-watcher: `redis` must be a URL or an ioredis client');
    pending = redisSource(conn.redis, checkName('prefix', conn.prefix));
  }
  // A failed connection setup is reported by each read, not as an unhandled rejection.
  pending.catch(() => undefined);
  const lazy: DashboardSource = {
    kind: options.watcher === undefined ? 'redis' : 'watcher',
    read: async () => (await pending).read(),
    search: async (q, limit) => (await pending).search(q, limit),
    close: async () => (await pending.catch(() => undefined))?.close(),
  };
  const hub = new Hub(lazy, refreshMs);
  const router = new Router(hub, () => pending, gate, basePath, options.loopbackHostOnly === true);
  return {
    node: (req, res) => router.node(req, res),
    fetch: (request) => router.fetch(request),
    summary: () => hub.summary(),
    link: () => `?once=${gate.link()}`,
    get tabs() {
      return hub.subscribers;
    },
    get reads() {
      return hub.reads;
    },
    close: async () => {
      await hub.close();
      await lazy.close();
    },
  };
}
