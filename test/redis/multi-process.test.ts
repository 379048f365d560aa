import { describe, expect, it } from 'vitest';
import { RedisFleetStore } from '../../src/redis/index.js';
import { sleep, useFleet, type FleetWorker } from '../fleet/helpers.js';

// Worker processes each run a real TaskWatcher on a RedisCoordinator (test/fleet/fixtures/watcher-worker.ts):
// the library's own fleet driver claims, polls and reports. Judged where a user sees it: at the simulator,
// which counts every request's arrival per task (its window of 1000 ms holds at most 3), and by the requests
// each task gets after a worker died.

const fleet = useFleet();

/** Never-ending tasks, waited for by every worker: the fleet polls them at the limit (the fastest policy). */
function neverEnding(n: number): string[] {
  return fleet.sim().addTasks(Array.from({ length: n }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
}

/** For each task, when its request count first rose after `since` (ms since `since`), sampled every 50 ms. */
async function firstRequestAfter(ids: readonly string[], withinMs: number): Promise<Map<string, number>> {
  const sim = fleet.sim();
  const start = Date.now();
  const base = new Map(ids.map((id) => [id, sim.taskStats(id)?.requests ?? 0]));
  const seen = new Map<string, number>();
  while (seen.size < ids.length && Date.now() - start < withinMs) {
    for (const id of ids) if (!seen.has(id) && (sim.taskStats(id)?.requests ?? 0) > (base.get(id) ?? 0)) seen.set(id, Date.now() - start);
    await sleep(50);
  }
  return seen;
}

describe('a fleet of worker processes (the library fleet driver)', () => {
  it('after kill -9 of one worker, every task, its held ones too, is polled again within lease + 1 s; 0 windows over 3 per task', async () => {
    const leaseMs = 2_000;
    const ids = neverEnding(12);
    const list: FleetWorker[] = [];
    for (const [name, skewMs] of [['w1', -200], ['w2', 0], ['w3', 200]] as const) list.push(await fleet.worker(name, { leaseMs, skewMs }));
    for (const w of list) w.wait(ids, { timeoutMs: 60_000 });
    // Polling under way, each worker holding claims.
    await sleep(1_500);
    list[0]?.kill('SIGKILL');
    const polled = await firstRequestAfter(ids, leaseMs + 1_000);
    expect([...ids].filter((id) => !polled.has(id))).toEqual([]);
    await sleep(1_000);
    expect(fleet.sim().stats().violations).toBe(0);
    expect(fleet.sim().stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
  }, 30_000);

  it('a worker SIGSTOPped past its lease, at whatever point of a claim, does not use its stale claims when it wakes', async () => {
    const leaseMs = 2_000;
    const ids = neverEnding(6);
    const sleeper = await fleet.worker('s1', { leaseMs });
    const other = await fleet.worker('s2', { leaseMs });
    sleeper.wait(ids, { timeoutMs: 60_000 });
    other.wait(ids, { timeoutMs: 60_000 });
    // Stopped three times, at points of its claim cycle the schedule does not choose (before a send, with a
    // request out, with a tick's reply pending): each time the other worker takes the tasks over.
    for (let i = 0; i < 3; i++) {
      await sleep(300 + i * 37);
      sleeper.kill('SIGSTOP');
      await sleep(leaseMs + 700);
      sleeper.kill('SIGCONT');
    }
    await sleep(1_000);
    expect(sleeper.alive).toBe(true);
    const stats = fleet.sim().stats();
    expect(stats.requests).toBeGreaterThan(ids.length * 10);
    expect(stats.violations).toBe(0);
    expect(stats.maxRequestsInWindow).toBeLessThanOrEqual(3);
  }, 30_000);
});

describe('resume after every process restarted', () => {
  it('lists the pending tasks the killed fleet left behind', async () => {
    const ids = neverEnding(50);
    const w = await fleet.worker('r1');
    w.wait(ids, { timeoutMs: 600_000 });
    const admin = fleet.redis().client();
    try {
      // Registered (one round trip after the wait), then gone.
      let registered = 0;
      for (let i = 0; i < 100 && registered < ids.length; i++) {
        registered = (await admin.keys('*:t:*')).length;
        await sleep(50);
      }
      expect(registered).toBe(ids.length);
      w.kill('SIGKILL');
      const later = new RedisFleetStore({ redis: admin, account: (await admin.keys('*:due'))[0]?.match(/\{(.+)\}/)?.[1] ?? 'default' });
      try {
        expect((await later.listPending()).map((p) => p.key.taskId).sort()).toEqual([...ids].sort());
      } finally {
        await later.close();
      }
    } finally {
      admin.disconnect();
    }
  });
});
