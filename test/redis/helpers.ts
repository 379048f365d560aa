import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisFleetStore, type RedisFleetStoreOptions, type TaskKey } from '../../src/redis/index.js';
import { RedisServer, type RedisServerOptions } from '../helpers/redis-server.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms of real time until it holds; false after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

export const task = (id: string | number, family = 'gpt4o-image'): TaskKey => ({ family, taskId: `t-${id}` });

/**
 * One redis-server per suite (a test file), flushed between tests; stores made through `store()` are closed
 * after each test.
 */
export function useRedis(options: RedisServerOptions = {}): {
  server: () => RedisServer;
  client: () => Redis;
  store: (opts?: Partial<RedisFleetStoreOptions>) => RedisFleetStore;
} {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  const stores: RedisFleetStore[] = [];
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await RedisServer.start(options);
    admin = server.client();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await admin?.flushall().catch(() => undefined);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const srv = (): RedisServer => {
    if (!server) throw new Error('redis-server not started');
    return server;
  };
  return {
    server: srv,
    client: () => srv().client(),
    store: (opts = {}) => {
      const c = srv().client();
      clients.push(c);
      const s = new RedisFleetStore({ redis: c, ...opts });
      stores.push(s);
      return s;
    },
  };
}
