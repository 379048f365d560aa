import { describe, expect, it } from 'vitest';
import { sleep, until, useFleet } from './helpers.js';

// What a fleet leaves in Redis and what a new process takes over: judged on the keys Redis holds and on what
// each forked worker (the library's fleet driver) watches.

const fleet = useFleet();

/**
 * The keys of tasks: a task's hash, its rate-limit TAT, a remembered poke, a callback's marks, and the due set of
 * the pending tasks. The account's other keys (fence counter, epoch, the capped streams, the dashboard's process
 * list) live as long as the account.
 */
const TASK_KEYS = /:\{[^}]+\}:((t|g|poke|cb|cbd):.*|due)$/;

async function keysWithTtl(): Promise<{ key: string; ttl: number }[]> {
  const admin = fleet.redis().client();
  try {
    const keys = await admin.keys('*');
    return await Promise.all(keys.map(async (key) => ({ key, ttl: await admin.pttl(key) })));
  } finally {
    admin.disconnect();
  }
}

describe('a fleet task ends with its last interest', () => {
  it('waits that timed out in a process that is gone leave no task key without a TTL, and nothing once it passed', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 5 }, () => ({ durationMs: 600_000, outcome: 'SUCCESS' as const })));
    const w = await fleet.worker('w');
    const waitedAt = Date.now();
    w.wait(ids, { timeoutMs: 1_500 });
    // Killed once every task is registered and polled, before its deadline: no process is left to notice the
    // deadlines pass and drop the tasks (a live one drops them itself).
    expect(await until(() => ids.every((id) => (sim.taskStats(id)?.requests ?? 0) > 0), 5_000)).toBe(true);
    w.kill('SIGKILL');
    expect(ids.filter((id) => w.settled.has(id))).toEqual([]);
    const left = await keysWithTtl();
    expect(left.some((k) => k.key.includes(':t:'))).toBe(true);
    expect(left.filter((k) => TASK_KEYS.test(k.key) && k.ttl < 0)).toEqual([]);
    // Every deadline was 1.5 s after its wait; a key may outlive it by a second (a poll out then reports into it).
    await sleep(waitedAt + 1_500 + 1_000 + 500 - Date.now());
    expect((await keysWithTtl()).filter((k) => TASK_KEYS.test(k.key)).map((k) => k.key)).toEqual([]);
  }, 30_000);

  it('a later, longer wait keeps the task after an earlier wait timed out and its process is gone', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 3 }, () => ({ durationMs: 5_000, outcome: 'SUCCESS' as const })));
    const early = await fleet.worker('early');
    early.wait(ids, { timeoutMs: 1_500 });
    await sleep(300);
    const late = await fleet.worker('late');
    late.wait(ids, { timeoutMs: 20_000 });
    expect(await until(() => ids.every((id) => early.settled.has(id)), 10_000)).toBe(true);
    early.kill('SIGKILL');
    expect(await until(() => ids.every((id) => late.settled.has(id)), 15_000)).toBe(true);
    for (const id of ids) expect(late.settled.get(id)?.outcome, id).toBe('SUCCESS');
    expect(sim.stats().violations).toBe(0);
  }, 30_000);
});

describe('resume() in a fleet', () => {
  it('takes only the tasks no live process holds an interest in: none while their waiter lives, all once it is gone', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 4 }, () => ({ durationMs: 60_000, outcome: 'SUCCESS' as const })));
    const holder = await fleet.worker('holder');
    holder.wait(ids, { timeoutMs: 120_000 });
    await sleep(500);
    // A worker starting beside a live one (resume() at every start, as the fleet snippet does) takes nothing.
    const second = await fleet.worker('second');
    second.resume();
    expect(await until(() => second.resumed !== undefined, 10_000)).toBe(true);
    expect(second.resumed).toBe(0);
    // The holder dies: once its liveness lapses (5 s), a worker starting now resumes its tasks.
    holder.kill('SIGKILL');
    await sleep(6_000);
    const third = await fleet.worker('third');
    third.resume();
    expect(await until(() => third.resumed !== undefined, 10_000)).toBe(true);
    expect(third.resumed).toBe(ids.length);
    // The second worker, alive and watching nothing, still does not take them once the third holds them.
    const fourth = await fleet.worker('fourth');
    fourth.resume();
    expect(await until(() => fourth.resumed !== undefined, 10_000)).toBe(true);
    expect(fourth.resumed).toBe(0);
  }, 40_000);

  it('a worker stopped (SIGSTOP) past its liveness, whose tasks another resume() took, keeps every promise when it continues', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 6 }, (_, i) => ({ durationMs: 12_000 + i * 300, outcome: i === 5 ? ('GENERATE_FAILED' as const) : ('SUCCESS' as const) })));
    const holder = await fleet.worker('holder', { leaseMs: 1_500, requestTimeoutMs: 1_000 });
    holder.wait(ids, { timeoutMs: 60_000 });
    await sleep(1_000);
    // Stopped for longer than the 5 s liveness: to the fleet it looks gone, and a starting worker resumes its tasks.
    holder.kill('SIGSTOP');
    await sleep(6_000);
    const taker = await fleet.worker('taker', { leaseMs: 1_500, requestTimeoutMs: 1_000 });
    taker.resume();
    expect(await until(() => taker.resumed !== undefined, 10_000)).toBe(true);
    expect(taker.resumed).toBe(ids.length);
    await sleep(1_000);
    // It continues, with claims and timers from before the stop, beside the process that took its tasks.
    holder.kill('SIGCONT');
    // Both hear every end with the task's real outcome; the provider saw one poller per poll, 3 per second at most.
    expect(await until(() => ids.every((id) => holder.settled.has(id)) && taker.events.filter((e) => e.name === 'completed' || e.name === 'failed').length === ids.length, 30_000)).toBe(true);
    for (const id of ids) expect(holder.settled.get(id)?.outcome, id).toBe(sim.taskStats(id)?.outcome === 'SUCCESS' ? 'SUCCESS' : 'KIE_TASK_FAILED');
    expect(sim.stats().violations).toBe(0);
    expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
  }, 60_000);

  it('a rolling restart loses nothing: a worker that closed cleanly holds nothing, so its replacement resumes every task at once', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 4 }, () => ({ durationMs: 4_000, outcome: 'SUCCESS' as const })));
    const old = await fleet.worker('old');
    old.wait(ids, { timeoutMs: 120_000 });
    await sleep(500);
    // SIGTERM recipe: close(), then the replacement starts and calls resume() right away (well within 5 s).
    await old.close();
    expect(old.closed?.pending).toBe(ids.length);
    const next = await fleet.worker('next');
    next.resume();
    expect(await until(() => next.resumed !== undefined, 10_000)).toBe(true);
    expect(next.resumed).toBe(ids.length);
    expect(await until(() => next.events.filter((e) => e.name === 'completed').length === ids.length, 15_000)).toBe(true);
  }, 40_000);
});
