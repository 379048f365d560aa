/**
 * In a fleet the callback miss rate is the fleet's: an end one process's scheduled poll found is not a lost
 * callback when the callback reached another process (a watcher's handler, or a serverless one). Real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { CALLBACK_GRACE_MS, CallbackMisses } from '../../src/engine/callback-misses.js';
import { RedisCoordinator } from '../../src/redis/index.js';
import { task, useRedis } from '../redis/helpers.js';

const redis = useRedis();

describe('the fleet-wide callback mark', () => {
  it('a poke from any process, and a coordinator-only handler\'s poke, mark the taskId for a minute; others stay unmarked', async () => {
    const store = redis.store({ account: 'acct' });
    await store.register([{ key: task(1) }]);
    await store.poke(task(1));
    // A poke for a task nobody registered yet marks it too: its callback came.
    await store.poke(task(2, 'market'));
    const coordinator = new RedisCoordinator({ redis: redis.server().socket, account: 'acct' });
    expect(await coordinator.pokeCallback({ taskId: 't-3', deliveryKey: 's:t-3.1', rememberMs: 60_000 })).toBe('poked');
    await coordinator.close();
    expect(await store.callbacksSeen(['t-1', 't-2', 't-3', 't-4'])).toEqual([true, true, true, false]);
    const ttl = await redis.client().pttl('kie:{acct}:cb:t-1');
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('CallbackMisses in a fleet', () => {
  it('asks the fleet about ends found without a callback here, once their grace is over, and counts only the unseen ones as lost', async () => {
    const asked: (readonly string[])[] = [];
    const misses = new CallbackMisses(async (ids) => {
      asked.push(ids);
      return ids.map((id) => id !== 't-6' && id !== 't-7');
    });
    for (let i = 0; i < 8; i++) misses.found(`gpt4o-image\nt-${i}`, 1_000);
    expect(misses.rate(1_000 + CALLBACK_GRACE_MS)).toBe(0);
    expect(asked).toEqual([]);
    // Past the grace: one question for all eight, the answer counted when it comes.
    misses.rate(1_000 + CALLBACK_GRACE_MS + 1);
    expect(asked).toEqual([['t-0', 't-1', 't-2', 't-3', 't-4', 't-5', 't-6', 't-7']]);
    await Promise.resolve();
    expect(misses.rate(20_000)).toBe(2 / 8);
  });

  it('without a fleet, or when the fleet cannot answer, an end found without its callback is a miss only where it can be known', async () => {
    const alone = new CallbackMisses();
    alone.found('f\na', 0);
    expect(alone.rate(CALLBACK_GRACE_MS + 1)).toBe(1 / 8);
    const down = new CallbackMisses(() => Promise.reject(new Error('redis down')));
    down.found('f\na', 0);
    down.rate(CALLBACK_GRACE_MS + 1);
    await Promise.resolve();
    await Promise.resolve();
    // No evidence either way: the end is not counted.
    expect(down.rate(CALLBACK_GRACE_MS + 2)).toBe(0);
  });

  it('starts from the belief that callbacks arrive: 0 before any end, the first misses weighed against 8 delivered ends', () => {
    const misses = new CallbackMisses();
    expect(misses.rate(0)).toBe(0);
    misses.found('f\na', 0);
    misses.announced();
    expect(misses.rate(CALLBACK_GRACE_MS + 1)).toBe(1 / 8);
    for (let i = 0; i < 10; i++) misses.announced();
    expect(misses.rate(CALLBACK_GRACE_MS + 1)).toBe(1 / 12);
  });
});
