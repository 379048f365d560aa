import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetUnavailableError, RedisFleetStore, type FleetMessage, type FleetStatus } from '../../src/redis/index.js';
import { RedisProxy } from '../helpers/redis-server.js';
import { sleep, task, until, useRedis } from './helpers.js';

const redis = useRedis({ debug: true });

async function evalCalls(): Promise<number> {
  const info = await redis.client().info('commandstats');
  return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('the script cache', () => {
  it('is reloaded after SCRIPT FLUSH (NOSCRIPT answered by one EVAL)', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const before = await evalCalls();
    await redis.client().script('FLUSH');
    expect((await store.tick([], 1)).claims).toHaveLength(1);
    expect(await evalCalls()).toBe(before + 1);
    // Loaded again: the next call goes by SHA only.
    await store.tick([], 1);
    expect(await evalCalls()).toBe(before + 1);
  });
});

describe('a Redis restart without persistence', () => {
  it('loses the pending set; the store reloads its scripts and tells the process to register its waiters again', async () => {
    let resets = 0;
    const store = redis.store({ onReset: () => resets++ });
    await store.register([{ key: task(1) }, { key: task(2) }]);
    await redis.server().restart();
    // ioredis reconnects to the same socket by itself.
    expect(await until(async () => (await store.tick([], 1).then(() => true, () => false)), 5_000)).toBe(true);
    expect(resets).toBe(1);
    expect(await store.listPending()).toEqual([]);
    expect(await store.register([{ key: task(1) }])).toEqual([{ key: task(1), status: 'new' }]);
    // Every TAT went with the data, and a claim made just before the loss may have been sent just after it:
    // nothing is claimed within one per-task interval of the loss.
    const r = await store.tick([], 1);
    expect(r.claims).toEqual([]);
    expect(r.nextDueAt).not.toBeNull();
    expect(await until(async () => (await store.tick([], 1)).claims.some((c) => c.key.taskId === task(1).taskId), 2_000)).toBe(true);
    expect(resets).toBe(1);
  });
});

describe('Redis unreachable', () => {
  let proxy: RedisProxy;
  beforeEach(async () => {
    proxy = await RedisProxy.start(redis.server().socket);
  });
  afterEach(async () => {
    await proxy.close();
  });

  it('fails calls fast, reports down once, claims nothing meanwhile, and reports up when Redis is back', async () => {
    const statuses: FleetStatus[] = [];
    const store = new RedisFleetStore({ redis: proxy.url, onStatus: (s) => statuses.push(s), probeIntervalMs: 100 });
    try {
      await store.register(Array.from({ length: 10 }, (_, i) => ({ key: task(i), delayMs: 1_000 })));
      proxy.cut();
      await until(() => statuses.length > 0, 2_000);
      let claimed = 0;
      let failures = 0;
      const end = Date.now() + 3_000;
      while (Date.now() < end) {
        const started = performance.now();
        try {
          claimed += (await store.tick([], 10)).claims.length;
        } catch (err) {
          expect(err).toBeInstanceOf(FleetUnavailableError);
          // No queueing: the call fails at once, not after a timeout.
          expect(performance.now() - started).toBeLessThan(50);
          failures++;
        }
        await sleep(50);
      }
      expect(claimed).toBe(0);
      expect(failures).toBeGreaterThan(20);
      expect(store.status).toBe('down');
      expect(statuses).toEqual(['down']);
      proxy.restore();
      await store.waitUntilUp(AbortSignal.timeout(10_000));
      expect(statuses).toEqual(['down', 'up']);
      expect(await until(async () => (await store.tick([], 10)).claims.length === 10, 3_000)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('closes the connections it made from a URL', async () => {
    const admin = redis.client();
    const count = async (): Promise<number> => String(await admin.call('CLIENT', 'LIST')).split('\n').filter(Boolean).length;
    const before = await count();
    const store = new RedisFleetStore({ redis: proxy.url });
    await store.register([{ key: task(1) }]);
    await store.subscribe(() => undefined);
    expect(await count()).toBe(before + 2);
    await store.close();
    expect(await until(async () => (await count()) === before)).toBe(true);
  });

  it('send guard: a reply slower than sendGuardMs returns no claims and releases them on the next tick', async () => {
    const store = new RedisFleetStore({ redis: proxy.url, sendGuardMs: 100 });
    try {
      await store.register([{ key: task(1) }, { key: task(2) }]);
      proxy.delayMs = 150;
      const slow = await store.tick([], 10);
      expect(slow.roundTripMs).toBeGreaterThan(100);
      expect(slow.claims).toEqual([]);
      expect(slow.released).toBe(2);
      proxy.delayMs = 0;
      // The releases ride on the next tick; the tasks are claimable again as soon as their GCRA allows,
      // not after the 20 s lease.
      const next = await store.tick([], 10);
      expect(next.nextDueInMs).toBeLessThan(400);
      expect(await until(async () => (await store.tick([], 10)).claims.length === 2, 2_000)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('gives each claim a validUntil of the tick send time plus sendGuardMs on the store clock', async () => {
    let now = 1_000;
    const store = redis.store({ clock: { now: () => now }, sendGuardMs: 80 });
    await store.register([{ key: task(1) }]);
    const t = await store.tick([], 1);
    expect(t.claims[0]?.validUntil).toBe(1_080);
    now = 5_000;
    await store.register([{ key: task(2) }]);
    expect((await store.tick([], 1)).claims[0]?.validUntil).toBe(5_080);
  });
});

describe('a hung Redis', () => {
  it('times out a tick, reports down, and releases the claims of the reply that came back too late', async () => {
    const statuses: FleetStatus[] = [];
    const store = redis.store({ operationTimeoutMs: 300, probeIntervalMs: 50, onStatus: (s) => statuses.push(s) });
    await store.register([{ key: task(1) }]);
    const admin = redis.client();
    const sleeping = admin.call('DEBUG', 'SLEEP', '1');
    await sleep(20);
    const started = performance.now();
    await expect(store.tick([], 1)).rejects.toBeInstanceOf(FleetUnavailableError);
    expect(performance.now() - started).toBeLessThan(600);
    expect(statuses).toEqual(['down']);
    await sleeping;
    await store.waitUntilUp(AbortSignal.timeout(5_000));
    expect(statuses).toEqual(['down', 'up']);
    // The late reply claimed the task; the store released it, so it comes back after its GCRA interval,
    // not after the 20 s lease.
    expect(await until(async () => (await store.tick([], 1)).claims.length === 1, 2_000)).toBe(true);
  });
});

describe('the results subscription', () => {
  async function settle(store: RedisFleetStore, ids: number[]): Promise<void> {
    await store.register(ids.map((i) => ({ key: task(i) })));
    const t = await store.tick([], ids.length);
    await store.tick(t.claims.map((c) => ({ kind: 'final' as const, key: c.key, fence: c.fence, result: `{"id":"${c.key.taskId}"}` })), 0);
  }

  it('delivers results of every process, and nothing from before it started listening', async () => {
    const producer = redis.store();
    await settle(producer, [0]);
    const seen: FleetMessage[] = [];
    const consumer = redis.store();
    await consumer.subscribe((m) => seen.push(m));
    await settle(producer, [1, 2, 3]);
    expect(await until(() => seen.length === 3)).toBe(true);
    expect(seen.map((m) => (m.type === 'final' ? m.key.taskId : m.type))).toEqual(['t-1', 't-2', 't-3']);
  });

  it('a reader whose start failed (Redis went away while it found its start) starts again on the next subscribe', async () => {
    const client = redis.client();
    const duplicate = client.duplicate.bind(client);
    let failures = 0;
    // The reader's first XREVRANGE fails, as a call cut by a restart does.
    client.duplicate = ((...args: Parameters<typeof client.duplicate>) => {
      const conn = duplicate(...args);
      const xrevrange = conn.xrevrange.bind(conn);
      conn.xrevrange = ((...a: Parameters<typeof conn.xrevrange>) => {
        if (failures++ === 0) return Promise.reject(new Error('Connection is closed.'));
        return xrevrange(...a);
      }) as typeof conn.xrevrange;
      return conn;
    }) as typeof client.duplicate;
    const consumer = new RedisFleetStore({ redis: client });
    try {
      await expect(consumer.subscribe(() => undefined)).rejects.toThrow('Connection is closed.');
      const seen: FleetMessage[] = [];
      await consumer.subscribe((m) => seen.push(m));
      await settle(redis.store(), [1]);
      expect(await until(() => seen.length === 1, 5_000)).toBe(true);
    } finally {
      await consumer.close();
    }
  });

  it('resumes from its last id after its connection is killed: nothing published meanwhile is lost', async () => {
    const producer = redis.store();
    const consumer = redis.store({ readBlockMs: 200 });
    const seen: FleetMessage[] = [];
    await consumer.subscribe((m) => seen.push(m));
    await settle(producer, [1, 2]);
    expect(await until(() => seen.length === 2)).toBe(true);
    const admin = redis.client();
    // Only the reader's connection is killed (found by its name): the producer's calls must not be cut halfway,
    // or a retried settle would find its first claims still leased and publish nothing.
    const killReader = async (): Promise<void> => {
      const list = String(await admin.call('CLIENT', 'LIST'));
      for (const line of list.split('\n')) {
        const id = / id=(\d+) /.exec(` ${line}`)?.[1];
        if (id !== undefined && / name=kie-fleet-reader /.test(` ${line} `)) await admin.call('CLIENT', 'KILL', 'ID', id);
      }
    };
    for (let round = 0; round < 3; round++) {
      await killReader();
      // Published while the reader is (probably) disconnected.
      await settle(producer, [10 + round * 10, 11 + round * 10, 12 + round * 10]);
      await sleep(50);
    }
    const finals = (): string[] => seen.flatMap((m) => (m.type === 'final' ? [m.key.taskId] : []));
    expect(await until(() => finals().length === 11, 5_000)).toBe(true);
    expect(finals()).toEqual(['t-1', 't-2', 't-10', 't-11', 't-12', 't-20', 't-21', 't-22', 't-30', 't-31', 't-32']);
    expect(seen.filter((m) => m.type === 'resync').length).toBeGreaterThanOrEqual(1);
  });
});
