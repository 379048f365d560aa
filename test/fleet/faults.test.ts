import { describe, expect, it } from 'vitest';
import { RedisProxy } from '../helpers/redis-server.js';
import { sleep, until, useFleet } from './helpers.js';

// Redis faults under a fleet of real worker processes: unreachable for 10 s, restarted with and without
// persistence, a slow link. Nothing is lost, deadlines still apply, and the simulator sees 0 violations.

const fleet = useFleet({ redis: { appendonly: 'everysec' } });

describe('Redis faults', () => {
  it('Redis unreachable for 10 s: polling pauses (no request without the shared limiter), the down/up events fire, deadlines still apply, then every task ends', async () => {
    const sim = fleet.sim();
    const proxy = await RedisProxy.start(fleet.redis().socket);
    try {
      const ids = sim.addTasks(Array.from({ length: 6 }, () => ({ durationMs: 8_000, outcome: 'SUCCESS' as const })));
      const [short] = sim.addTasks([{ durationMs: 600_000, outcome: 'NEVER' }]);
      const a = await fleet.worker('a', { redisUrl: proxy.url, policy: 'adaptive' });
      const b = await fleet.worker('b', { redisUrl: proxy.url, policy: 'adaptive' });
      a.wait(ids, { timeoutMs: 60_000 });
      b.wait(ids, { timeoutMs: 60_000 });
      await sleep(1_000);
      proxy.cut();
      const cutAt = Date.now();
      a.wait([short as string], { timeoutMs: 3_000 });
      expect(await until(() => a.coordinator.some((e) => e.status === 'down') && b.coordinator.some((e) => e.status === 'down'), 5_000)).toBe(true);
      // Requests already in flight may land just after the cut; after that, none.
      await sleep(1_000);
      const requestsDuring = sim.stats().requests;
      // A deadline inside the outage still fires.
      expect(await until(() => a.settled.has(short as string), 5_000)).toBe(true);
      expect(a.settled.get(short as string)?.outcome).toBe('KIE_WATCH_TIMEOUT');
      await sleep(Math.max(0, cutAt + 10_000 - Date.now()));
      expect(sim.stats().requests).toBe(requestsDuring);
      proxy.restore();
      expect(await until(() => a.coordinator.some((e) => e.status === 'up') && b.coordinator.some((e) => e.status === 'up'), 10_000)).toBe(true);
      expect(await until(() => ids.every((id) => a.settled.get(id)?.outcome === 'SUCCESS' && b.settled.get(id)?.outcome === 'SUCCESS'), 20_000)).toBe(true);
      expect(sim.stats().violations).toBe(0);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a Redis restart: with AOF the pending set survives and every task ends; without it the lost tasks are registered again by their waiters', async () => {
    const sim = fleet.sim();
    const redis = fleet.redis();
    for (const appendonly of ['everysec', 'no'] as const) {
      const ids = sim.addTasks(Array.from({ length: 5 }, (_, i) => ({ durationMs: 4_000 + i * 300, outcome: 'SUCCESS' as const })));
      // The fastest policy: polls at the limit, so that a restart that forgot a TAT shows as a violation.
      const a = await fleet.worker(`a-${appendonly}`);
      a.wait(ids, { timeoutMs: 60_000 });
      await sleep(1_500);
      // SHUTDOWN NOSAVE: with AOF everysec, what was written more than a second ago is kept.
      await redis.restart({ appendonly });
      expect(await until(() => ids.every((id) => a.settled.get(id)?.outcome === 'SUCCESS'), 30_000)).toBe(true);
      expect(sim.stats().violations).toBe(0);
      await a.close();
    }
    // Back to the suite's persistence for the other tests.
    await redis.restart({ appendonly: 'everysec' });
  }, 90_000);

  it('a slow link to Redis: within the send guard it works; farther away, raising rateJitterMarginMs (the guard follows) makes it work, and a fast process beside it stays within the limit', async () => {
    const sim = fleet.sim();
    const proxy = await RedisProxy.start(fleet.redis().socket);
    try {
      for (const [delayMs, margin] of [
        [40, undefined],
        [150, 400],
      ] as const) {
        proxy.delayMs = delayMs;
        // Alone first: nobody else can do its polling.
        const alone = sim.addTasks(Array.from({ length: 3 }, () => ({ durationMs: 2_000, outcome: 'SUCCESS' as const })));
        const slow = await fleet.worker(`slow-${delayMs}`, { redisUrl: proxy.url, ...(margin === undefined ? {} : { rateJitterMarginMs: margin }) });
        slow.wait(alone, { timeoutMs: 20_000 });
        expect(await until(() => alone.every((id) => slow.settled.get(id)?.outcome === 'SUCCESS'), 15_000)).toBe(true);
        // Then beside a process with a fast link, on shared tasks.
        const shared = sim.addTasks(Array.from({ length: 6 }, () => ({ durationMs: 3_000, outcome: 'SUCCESS' as const })));
        const fast = await fleet.worker(`fast-${delayMs}`, margin === undefined ? {} : { rateJitterMarginMs: margin });
        slow.wait(shared, { timeoutMs: 30_000 });
        fast.wait(shared, { timeoutMs: 30_000 });
        expect(await until(() => shared.every((id) => slow.settled.has(id) && fast.settled.has(id)), 20_000)).toBe(true);
        expect(sim.stats().violations).toBe(0);
        await Promise.all([slow.close(), fast.close()]);
      }
    } finally {
      await proxy.close();
    }
  }, 90_000);
});
