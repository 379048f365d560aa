import { describe, expect, it } from 'vitest';
import { RedisProxy } from '../helpers/redis-server.js';
import { sleep, until, useFleet } from './helpers.js';

// A fleet of real worker processes, each a TaskWatcher on a RedisCoordinator, against one real redis-server
// and one simulator. The simulator counts every request's arrival per task: 3 in any 1000 ms is the limit.

const fleet = useFleet();

function violations(): number {
  return fleet.sim().stats().violations;
}

describe('a fleet of watcher processes on Redis', () => {
  it('three processes with clocks skewed by ±60 s wait on the same tasks, invisible for their first second: never over 3 per second per task at the server, one poll stream per task, every waiter settles with the task\'s outcome', async () => {
    const sim = fleet.sim();
    // ±60 s: past the unknown-task grace (30 s) and any ms threshold the fleet compares.
    const specs = Array.from({ length: 20 }, (_, i) => ({ durationMs: 2_500 + (i % 5) * 400, invisibleForMs: 1_000, outcome: i % 7 === 3 ? ('GENERATE_FAILED' as const) : ('SUCCESS' as const) }));
    const ids = sim.addTasks(specs);
    const workers = await Promise.all([fleet.worker('a', { skewMs: -60_000 }), fleet.worker('b', { skewMs: 0 }), fleet.worker('c', { skewMs: 60_000 })]);
    for (const w of workers) w.wait(ids, { timeoutMs: 30_000 });
    expect(await until(() => workers.every((w) => w.settled.size === ids.length), 20_000)).toBe(true);
    for (const [i, id] of ids.entries()) {
      const expected = specs[i]?.outcome === 'SUCCESS' ? 'SUCCESS' : 'KIE_TASK_FAILED';
      for (const w of workers) expect(w.settled.get(id)?.outcome, `${w.name} ${id}`).toBe(expected);
    }
    expect(violations()).toBe(0);
    expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    // One poll stream per task, not one per process: at most the per-task rate over the task's life, plus the
    // answer that saw it end.
    for (const [i, id] of ids.entries()) {
      const life = (specs[i]?.durationMs ?? 0) / 1000;
      expect(sim.taskStats(id)?.requests ?? 0, id).toBeLessThanOrEqual(Math.ceil(life * 3) + 3);
    }
    await Promise.all(workers.map((w) => w.close()));
  }, 40_000);

  it('kill -9 of a worker holding claims: each of its tasks is polled again by another process after its lease lapses and within lease + 1 s, and a waiter elsewhere still settles', async () => {
    const sim = fleet.sim();
    const leaseMs = 2_000;
    // Slow answers: the killed worker is sure to be holding claims (requests in flight) when it dies.
    sim.setFaults({ slow: 1, slowMs: 700 });
    const ids = sim.addTasks(Array.from({ length: 8 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const [shared] = sim.addTasks([{ durationMs: 5_000, outcome: 'SUCCESS' }]);
    const a = await fleet.worker('a', { leaseMs });
    const b = await fleet.worker('b', { leaseMs });
    a.watch(ids, 60_000);
    a.wait([shared as string], { timeoutMs: 30_000 });
    b.wait([shared as string], { timeoutMs: 30_000 });
    await sleep(800);
    // Which tasks A holds, and when each lease lapses (the due score of a claimed task is its lease's end; Redis
    // and this process share the machine's clock). Sampled until A holds some: the kill must catch it holding.
    const admin = fleet.redis().client();
    const dueKey = (await admin.keys('*:due'))[0] as string;
    const held = new Map<string, number>();
    for (let attempt = 0; attempt < 100 && held.size === 0; attempt++) {
      for (const id of ids) {
        const owner = await admin.hget(`${dueKey.slice(0, -3)}t:_4:${id}`, 'o');
        const score = await admin.zscore(dueKey, `_4:${id}`);
        if (owner !== null && owner.includes(`:${a.proc.pid}:`) && score !== null && Number(score) > Date.now() + 200) held.set(id, Number(score));
      }
      if (held.size === 0) await sleep(30);
    }
    admin.disconnect();
    expect(held.size).toBeGreaterThan(0);
    const last = new Map(ids.map((id) => [id, sim.taskStats(id)?.requests ?? 0]));
    const firstAfter = new Map<string, number>();
    const sampler = setInterval(() => {
      for (const id of held.keys()) {
        const n = sim.taskStats(id)?.requests ?? 0;
        if (n > (last.get(id) ?? 0) && !firstAfter.has(id)) firstAfter.set(id, Date.now());
      }
    }, 10);
    a.kill('SIGKILL');
    try {
      expect(await until(() => firstAfter.size === held.size, leaseMs + 3_000)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    for (const [id, leaseEnd] of held) {
      const at = firstAfter.get(id) ?? Infinity;
      // Exactly one poller: nobody polls it before the dead worker's lease lapses; then within a second.
      expect(at, id).toBeGreaterThanOrEqual(leaseEnd - 50);
      expect(at - leaseEnd, id).toBeLessThanOrEqual(1_000);
    }
    expect(await until(() => b.settled.has(shared as string), 15_000)).toBe(true);
    expect(b.settled.get(shared as string)?.outcome).toBe('SUCCESS');
    expect(violations()).toBe(0);
    await b.close();
  }, 40_000);

  it('a worker stopped (SIGSTOP) past its lease does not break the limit when it wakes', async () => {
    const sim = fleet.sim();
    const leaseMs = 1_500;
    // Enough tasks that almost every tick of the stopped worker carries claims.
    const ids = sim.addTasks(Array.from({ length: 24 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    // A slow link to Redis for the worker that is stopped: a tick is in flight much of the time, so a stop is
    // likely to land between a tick going out and its claims coming back (the window the send guard covers).
    const proxy = await RedisProxy.start(fleet.redis().socket);
    proxy.delayMs = 30;
    try {
      const a = await fleet.worker('a', { leaseMs, requestTimeoutMs: 1_000, redisUrl: proxy.url });
      const b = await fleet.worker('b', { leaseMs, requestTimeoutMs: 1_000 });
      a.watch(ids, 60_000);
      b.watch(ids, 60_000);
      for (let round = 0; round < 4; round++) {
        await sleep(600 + round * 37);
        a.kill('SIGSTOP');
        await sleep(leaseMs + 500);
        a.kill('SIGCONT');
      }
      await sleep(1_500);
      expect(violations()).toBe(0);
      expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await proxy.close();
    }
  }, 40_000);

  it('fan-out: a result reaches every waiting process, and a waiter that starts later settles from the stored result without a request', async () => {
    const sim = fleet.sim();
    const [id] = sim.addTasks([{ durationMs: 1_500, outcome: 'SUCCESS' }]);
    const a = await fleet.worker('a');
    const b = await fleet.worker('b');
    a.wait([id as string]);
    b.wait([id as string]);
    expect(await until(() => a.settled.has(id as string) && b.settled.has(id as string), 10_000)).toBe(true);
    const requests = sim.taskStats(id as string)?.requests ?? 0;
    const c = await fleet.worker('c');
    c.wait([id as string]);
    expect(await until(() => c.settled.has(id as string), 5_000)).toBe(true);
    expect(c.settled.get(id as string)?.outcome).toBe('SUCCESS');
    expect(sim.taskStats(id as string)?.requests).toBe(requests);
    // The two first waiters heard it within a moment of each other, whichever polled.
    expect(Math.abs((a.settled.get(id as string)?.at ?? 0) - (b.settled.get(id as string)?.at ?? 0))).toBeLessThan(500);
    await Promise.all([a.close(), b.close(), c.close()]);
  }, 30_000);

  it('a callback that reaches a process not watching the task makes the fleet poll it at once', async () => {
    // Behind a load balancer the callback lands on any process; the waiter may be in another one.
    const sim = fleet.sim();
    const slow = { policy: { intervalMs: 60_000 } } as const;
    const a = await fleet.worker('a', slow);
    const b = await fleet.worker('b', slow);
    const [id] = sim.addTasks([{ durationMs: 1_000, outcome: 'SUCCESS' }]) as [string];
    a.wait([id]);
    expect(await until(() => (sim.taskStats(id)?.requests ?? 0) === 1, 5_000)).toBe(true);
    expect(await until(() => (sim.taskStats(id)?.finalAt ?? Infinity) < Date.now() - 200, 5_000)).toBe(true);
    // Done at the provider; the next poll would be a minute away.
    expect(a.settled.has(id)).toBe(false);
    b.poke(id);
    expect(await until(() => a.settled.has(id), 5_000)).toBe(true);
    expect(b.pokes).toEqual([expect.objectContaining({ taskId: id, watchedHere: false })]);
    expect(a.settled.get(id)?.outcome).toBe('SUCCESS');
    expect((a.settled.get(id)?.at ?? Infinity) - (b.pokes[0]?.at ?? 0)).toBeLessThan(1_000);
    expect(sim.taskStats(id)?.requests).toBe(2);
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it('the pending set survives every process: after all restarted, resume() watches each pending task again and hears its end', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 5 }, (_, i) => ({ durationMs: 4_000 + i * 200, outcome: 'SUCCESS' as const })));
    const a = await fleet.worker('a');
    a.watch(ids, 60_000);
    await sleep(800);
    a.kill('SIGKILL');
    // resume() takes only tasks no live process holds an interest in: the killed one counts as alive until
    // its liveness mark lapses (5 s).
    await sleep(5_500);
    const b = await fleet.worker('b');
    b.resume();
    expect(await until(() => b.resumed !== undefined, 5_000)).toBe(true);
    expect(b.resumed).toBe(ids.length);
    expect(await until(() => b.events.filter((e) => e.name === 'completed').length === ids.length, 15_000)).toBe(true);
    expect(violations()).toBe(0);
    await b.close();
  }, 30_000);

  it('an account budget is fleet-wide: three processes together stay within it', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 30 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const workers = await Promise.all(['a', 'b', 'c'].map((n) => fleet.worker(n, { accountRequestsPerSecond: 10 })));
    for (const w of workers) w.watch(ids, 60_000);
    await sleep(1_000);
    const startRequests = sim.stats().requests;
    await sleep(3_000);
    const perSecond = (sim.stats().requests - startRequests) / 3;
    // 10 per second for the account, whichever process sends; three uncoordinated processes would send 30.
    expect(perSecond).toBeLessThanOrEqual(11);
    expect(perSecond).toBeGreaterThan(5);
    expect(violations()).toBe(0);
    await Promise.all(workers.map((w) => w.close()));
  }, 30_000);
});
