import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemoryTaskRateLimiter, TaskWatcher } from '../../src/index.js';
import { RedisCoordinator } from '../../src/redis/index.js';
import { RedisServer } from '../helpers/redis-server.js';

// Options that mean something else, or nothing, with a coordinator: refused or honoured, never silently
// ignored and never failing on an internal option's name.

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server.stop();
});

describe('options with a coordinator', () => {
  it('refuses a custom rateLimiter, saying why (the fleet keeps the per-task limit in Redis)', () => {
    const coordinator = new RedisCoordinator({ redis: new Redis({ path: server.socket, lazyConnect: true }) });
    expect(() => new TaskWatcher({ apiKey: 'k', coordinator, rateLimiter: new MemoryTaskRateLimiter({ intervalMs: 400, burst: 1 }) })).toThrow(
      /`rateLimiter` and `coordinator` cannot be combined: with a coordinator the per-task limit is the fleet's/,
    );
  });

  it('accepts resultCacheTtlMs: 0, as in process', async () => {
    const redis = new Redis({ path: server.socket });
    const watcher = new TaskWatcher({ apiKey: 'k', resultCacheTtlMs: 0, coordinator: new RedisCoordinator({ redis }) });
    await watcher.close();
    redis.disconnect();
  });
});

describe('retry delays', () => {
  it('refuses a retry.maxDelayMs above the timer maximum (~24.8 days), which Node would fire at once', () => {
    expect(() => new TaskWatcher({ apiKey: 'k', retry: { maxDelayMs: 2 ** 31 } })).toThrow(/retry\.maxDelayMs/);
    expect(() => new TaskWatcher({ apiKey: 'k', retry: { baseDelayMs: 25 * 24 * 3_600_000 } })).toThrow(/retry\.baseDelayMs/);
    expect(() => new TaskWatcher({ apiKey: 'k', retry: { maxDelayMs: 2 ** 31 - 2 } })).not.toThrow();
  });
});
