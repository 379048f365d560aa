import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraTake } from '../../src/limits/gcra.js';
import { GCRA_LUA as LUA_GCRA } from '../../src/redis/scripts.js';
import { DEFAULT_PER_TASK_INTERVAL_MS, type Report, type RedisFleetStore, type TaskKey } from '../../src/redis/index.js';
import { groupBy, maxInWindow } from '../helpers/windows.js';
import { sleep, task, useRedis } from './helpers.js';

const redis = useRedis();

const PROBE = `${LUA_GCRA}
local tat = nil
if ARGV[1] ~= '' then tat = tonumber(ARGV[1]) end
local ok, v = gcra(tat, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
return { ok and 1 or 0, string.format('%.6f', v) }`;

describe('the Lua GCRA', () => {
  it('decides exactly as the pure TypeScript GCRA for any stored TAT, time, interval and burst', async () => {
    const c = redis.client();
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.double({ min: 1.7e12, max: 1.8e12, noNaN: true }), { nil: undefined }),
        fc.double({ min: 1.7e12, max: 1.8e12, noNaN: true }),
        fc.double({ min: 0.5, max: 10_000, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        async (tat, now, intervalMs, burst) => {
          const [ok, v] = (await c.eval(PROBE, 0, tat === undefined ? '' : String(tat), String(now), String(intervalMs), burst)) as [number, string];
          const d = gcraTake(tat, now, { intervalMs, burst });
          expect(ok === 1).toBe(d.allowed);
          expect(Number(v)).toBeCloseTo(d.allowed ? d.tat : d.retryAt, 3);
        },
      ),
      { numRuns: 300 },
    );
  });
});

type Action = 'next' | 'release' | 'silent' | 'poke' | 'late';

/**
 * Several stores (separate connections, clocks skewed by up to ±200 ms and drifting) tick concurrently
 * against the same tasks, each answering its claims with a pattern drawn by fast-check: report at once
 * with a random delay, release, stay silent until the lease lapses, poke, or report late. Returns the
 * Redis time of every claim, per task.
 */
async function race(
  stores: RedisFleetStore[],
  keys: TaskKey[],
  patterns: { actions: Action[]; delays: number[]; tickMs: number }[],
  durationMs: number,
  clocks: (() => number)[] = stores.map(() => () => performance.now()),
): Promise<Map<string, number[]>> {
  const claims: { taskId: string; at: number }[] = [];
  const end = Date.now() + durationMs;
  await Promise.all(
    stores.map(async (store, s) => {
      const p = patterns[s] as (typeof patterns)[number];
      let reports: Report[] = [];
      let step = 0;
      while (Date.now() < end) {
        const r = await store.tick(reports, 8);
        reports = [];
        const clock = clocks[s] as () => number;
        for (const c of r.claims) {
          // What the driver does: a claim its own (skewed, drifting) clock says is stale is given back unused.
          if (clock() > c.validUntil) {
            reports.push({ kind: 'release', key: c.key, fence: c.fence });
            continue;
          }
          claims.push({ taskId: c.key.taskId, at: r.redisNow });
          const action = p.actions[step % p.actions.length] as Action;
          const delayMs = p.delays[step % p.delays.length] as number;
          step++;
          if (action === 'next') reports.push({ kind: 'next', key: c.key, fence: c.fence, delayMs, state: '{}' });
          else if (action === 'release') reports.push({ kind: 'release', key: c.key, fence: c.fence });
          else if (action === 'poke') {
            await store.poke(c.key);
            reports.push({ kind: 'next', key: c.key, fence: c.fence, delayMs: 5_000, state: '{}' });
          } else if (action === 'late') {
            const key = c.key;
            const fence = c.fence;
            setTimeout(() => void store.tick([{ kind: 'next', key, fence, delayMs: 0, state: '{}' }], 0).catch(() => undefined), delayMs);
          }
          // 'silent': never reported; the lease lapses and anyone may claim it again.
        }
        await sleep(p.tickMs);
      }
    }),
  );
  return new Map([...groupBy(claims, (c) => c.taskId)].map(([id, list]) => [id, list.map((c) => c.at)]));
}

describe('per-task GCRA across concurrent claimers', () => {
  it('never grants more than 3 claims for one task in any 1000 ms of Redis time, whatever each claimer\'s own clock (offset ±200 ms, drifting ±5 %) says of its claims\' validity', async () => {
    const pattern = fc.record({
      actions: fc.array(fc.constantFrom<Action>('next', 'next', 'release', 'silent', 'poke', 'late'), { minLength: 1, maxLength: 12 }),
      delays: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 6 }),
      tickMs: fc.integer({ min: 0, max: 40 }),
      skewMs: fc.integer({ min: -200, max: 200 }),
      drift: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(pattern, { minLength: 2, maxLength: 6 }), fc.integer({ min: 1, max: 4 }), async (patterns, nTasks) => {
        await redis.client().flushall();
        const clocks = patterns.map((p) => {
          const start = performance.now();
          return () => start + p.skewMs + (performance.now() - start) * (1 + p.drift);
        });
        const stores = patterns.map((_, i) => redis.store({ owner: `s${i}`, leaseMs: 300, leaseMarginMs: 50, clock: { now: clocks[i] as () => number } }));
        const keys = Array.from({ length: nTasks }, (_, i) => task(i));
        await stores[0]?.register(keys.map((key) => ({ key, timeoutMs: 60_000 })));
        const perTask = await race(stores, keys, patterns, 1_500, clocks);
        for (const [, times] of perTask) {
          expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(3);
          const sorted = [...times].sort((a, b) => a - b);
          // Claims are reported at whole ms; the TAT keeps sub-ms precision.
          for (let i = 1; i < sorted.length; i++) expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThanOrEqual(Math.floor(DEFAULT_PER_TASK_INTERVAL_MS) - 1);
        }
        await Promise.all(stores.map((s) => s.close()));
      }),
      { numRuns: 6 },
    );
  }, 120_000);

  it('keeps a claimed-at-full-speed task at exactly the GCRA rate: 3 claims per 1123 ms', async () => {
    const stores = [redis.store({ owner: 'a' }), redis.store({ owner: 'b' }), redis.store({ owner: 'c' })];
    const key = task('hot');
    await stores[0]?.register([{ key }]);
    const perTask = await race(stores, [key], stores.map(() => ({ actions: ['next' as const], delays: [0], tickMs: 0 })), 2_300);
    const times = perTask.get(key.taskId) ?? [];
    // 2,300 ms at one claim per 374.33 ms: 7 claims (the first at once).
    expect(times.length).toBeGreaterThanOrEqual(6);
    expect(times.length).toBeLessThanOrEqual(7);
    expect(maxInWindow(times, 1000)).toBe(3);
  });

  it('a task dropped past its deadline and watched again at once still waits for its TAT', async () => {
    const store = redis.store();
    const key = task('again');
    await store.register([{ key, timeoutMs: 60_000 }]);
    const first = await store.tick([], 1);
    expect(first.claims).toHaveLength(1);
    const c = redis.client();
    // The deadline is stored in ms after watchedAt: make it one ms before now.
    const hash = `kie:{default}:t:_4:${key.taskId}`;
    await c.hset(hash, 'd', String(Math.floor(first.redisNow - 1 - Number(await c.hget(hash, 'w')))));
    // The claimer's report finds every deadline passed: the task is dropped there and then.
    const dropped = await store.tick([{ kind: 'next', key, fence: first.claims[0]?.fence ?? 0, delayMs: 0, state: '{}' }], 0);
    expect(dropped.expired).toEqual([key]);
    expect(await store.listPending()).toEqual([]);
    expect(await store.register([{ key, timeoutMs: 60_000 }])).toEqual([{ key, status: 'new' }]);
    const immediately = await store.tick([], 1);
    expect(immediately.claims).toHaveLength(0);
    expect(immediately.nextDueAt).toBeGreaterThanOrEqual(first.redisNow + Math.floor(DEFAULT_PER_TASK_INTERVAL_MS));
  });
});
