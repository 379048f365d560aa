import { describe, expect, it } from 'vitest';
import { sleep, until, useFleet } from './helpers.js';

// The two promises under faults ordinary Redis deployments have: at most 3 requests per second per taskId at
// the provider (judged by the simulator, which counts arrivals per taskId whatever the family path), and
// every waiter settling with the task's real outcome. Forked worker processes run the library's own fleet
// driver (test/fleet/fixtures/watcher-worker.ts), all on the fastest policy so that a broken limit shows.

const fleet = useFleet();

async function resultsStream(): Promise<string> {
  const admin = fleet.redis().client();
  try {
    return (await admin.keys('*:results'))[0] as string;
  } finally {
    admin.disconnect();
  }
}

describe('the fleet keeps its promises', () => {
  it('one taskId waited for under two families, in two processes: never over 3 requests per second for that taskId', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 4 }, () => ({ durationMs: 4_000, outcome: 'SUCCESS' as const })));
    const a = await fleet.worker('a');
    const b = await fleet.worker('b');
    a.wait(ids, { timeoutMs: 20_000, family: 'gpt4o-image' });
    // The simulator renders these tasks as gpt4o-image records: read as flux-kontext they never end; only the
    // requests they cause matter here.
    b.wait(ids, { timeoutMs: 6_000, family: 'flux-kontext' });
    expect(await until(() => ids.every((id) => a.settled.has(id) && b.settled.has(id)), 15_000)).toBe(true);
    for (const id of ids) expect(a.settled.get(id)?.outcome, id).toBe('SUCCESS');
    expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    expect(sim.stats().violations).toBe(0);
  }, 30_000);

  it('FLUSHALL with polls in flight: re-registration sends nothing earlier than the limit allows, and every waiter settles', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 30 }, () => ({ durationMs: 4_000, outcome: 'SUCCESS' as const })));
    const a = await fleet.worker('a');
    const b = await fleet.worker('b');
    a.wait(ids, { timeoutMs: 30_000 });
    b.wait(ids.slice(0, 15), { timeoutMs: 30_000 });
    await sleep(1_500);
    const admin = fleet.redis().client();
    await admin.flushall();
    admin.disconnect();
    expect(await until(() => ids.every((id) => a.settled.has(id)) && ids.slice(0, 15).every((id) => b.settled.has(id)), 20_000)).toBe(true);
    for (const id of ids) expect(a.settled.get(id)?.outcome, id).toBe('SUCCESS');
    expect(sim.stats().violations).toBe(0);
  }, 40_000);

  it('Redis restarted without persistence, polls in flight: 0 violations and every waiter settles', async () => {
    const sim = fleet.sim();
    sim.setFaults({ slow: 0.5, slowMs: 300 });
    const ids = sim.addTasks(Array.from({ length: 20 }, () => ({ durationMs: 4_000, outcome: 'SUCCESS' as const })));
    const a = await fleet.worker('a');
    const b = await fleet.worker('b');
    a.wait(ids, { timeoutMs: 40_000 });
    b.wait(ids, { timeoutMs: 40_000 });
    await sleep(1_500);
    await fleet.redis().restart({ appendonly: 'no' });
    expect(await until(() => ids.every((id) => a.settled.has(id) && b.settled.has(id)), 30_000)).toBe(true);
    for (const id of ids) expect([a.settled.get(id)?.outcome, b.settled.get(id)?.outcome], id).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.stats().violations).toBe(0);
  }, 60_000);

  it('a poll out while Redis loses its data: the result it or the re-claim finds settles the waiter in that process', async () => {
    const sim = fleet.sim();
    // Every answer is slow: polls are surely out when the data goes, and tasks end between a poll that is out
    // and the re-claim that follows the loss (which this process polls on an entry of its own).
    sim.setFaults({ slow: 1, slowMs: 1_200 });
    const ids = sim.addTasks(Array.from({ length: 20 }, (_, i) => ({ durationMs: 2_000 + i * 75, outcome: 'SUCCESS' as const })));
    const a = await fleet.worker('a', { requestTimeoutMs: 3_000, leaseMs: 5_000 });
    a.wait(ids, { timeoutMs: 8_000 });
    await sleep(2_000);
    const admin = fleet.redis().client();
    await admin.flushall();
    admin.disconnect();
    expect(await until(() => ids.every((id) => a.settled.has(id)), 12_000)).toBe(true);
    for (const id of ids) expect(a.settled.get(id)?.outcome, id).toBe('SUCCESS');
    expect(sim.stats().violations).toBe(0);
  }, 30_000);

  it('clocks skewed by ±60 s, tasks invisible for their first seconds: no process fails a task the provider finishes', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 8 }, () => ({ durationMs: 9_000, invisibleForMs: 7_000, outcome: 'SUCCESS' as const })));
    // The fast one waits on nothing: it only polls for the others.
    await fleet.worker('fast', { skewMs: 60_000 });
    const slow = await fleet.worker('slow', { skewMs: -60_000 });
    const right = await fleet.worker('right', { skewMs: 0 });
    slow.wait(ids, { timeoutMs: 30_000 });
    right.wait(ids, { timeoutMs: 30_000 });
    expect(await until(() => ids.every((id) => slow.settled.has(id) && right.settled.has(id)), 20_000)).toBe(true);
    for (const id of ids) expect([slow.settled.get(id)?.outcome, right.settled.get(id)?.outcome], id).toEqual(['SUCCESS', 'SUCCESS']);
    // A fast clock waiting itself: its own deadlines and grace are durations, not another host's wall clock.
    const later = sim.addTasks(Array.from({ length: 3 }, () => ({ durationMs: 4_000, invisibleForMs: 2_000, outcome: 'SUCCESS' as const })));
    const fast2 = await fleet.worker('fast2', { skewMs: 60_000 });
    fast2.wait(later, { timeoutMs: 20_000 });
    right.wait(later, { timeoutMs: 20_000 });
    expect(await until(() => later.every((id) => fast2.settled.has(id) && right.settled.has(id)), 15_000)).toBe(true);
    for (const id of later) expect([fast2.settled.get(id)?.outcome, right.settled.get(id)?.outcome], id).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.stats().violations).toBe(0);
  }, 50_000);

  it('a transport failure ends that one wait only: waiting again, here or in a new process, polls and gets the real outcome', async () => {
    const sim = fleet.sim();
    const [id] = sim.addTasks([{ durationMs: 2_000, outcome: 'SUCCESS' }]) as [string];
    sim.setFaults({ reset: 1 });
    const retry = { baseDelayMs: 50, maxDelayMs: 100, maxConsecutiveErrors: 3 };
    const a = await fleet.worker('a', { retry });
    a.wait([id], { timeoutMs: 20_000 });
    expect(await until(() => a.settled.has(id), 10_000)).toBe(true);
    expect(a.settled.get(id)?.outcome).toBe('KIE_TRANSPORT_ERROR');
    sim.setFaults({});
    a.settled.clear();
    const before = sim.taskStats(id)?.requests ?? 0;
    const b = await fleet.worker('b', { retry });
    a.wait([id], { timeoutMs: 10_000 });
    b.wait([id], { timeoutMs: 10_000 });
    expect(await until(() => a.settled.has(id) && b.settled.has(id), 8_000)).toBe(true);
    expect([a.settled.get(id)?.outcome, b.settled.get(id)?.outcome]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.taskStats(id)?.requests ?? 0).toBeGreaterThan(before);
    expect(sim.stats().violations).toBe(0);
  }, 40_000);

  /** A burst of other results, written as the tick script writes them (MAXLEN ~ 10000, its default). */
  async function trimPastEveryResult(): Promise<void> {
    const admin = fleet.redis().client();
    try {
      const stream = await resultsStream();
      const burst = admin.pipeline();
      for (let i = 0; i < 12_000; i++) burst.xadd(stream, 'MAXLEN', '~', 10_000, '*', 'm', `filler:${i}`, 'r', '{}');
      await burst.exec();
      // Every real result is gone: the oldest entry left is a filler, and not the first one.
      const [oldest] = await admin.xrange(stream, '-', '+', 'COUNT', 1);
      expect(oldest?.[1][1]).toMatch(/^filler:[1-9]/);
    } finally {
      admin.disconnect();
    }
  }

  it('a reader paused while the results stream is trimmed past its last id resyncs its waiters from the stored results', async () => {
    const sim = fleet.sim();
    // Ending one by one: a read blocked when the process stopped is answered with the first result only.
    const ids = sim.addTasks(Array.from({ length: 4 }, (_, i) => ({ durationMs: 1_500 + i * 1_000, outcome: 'SUCCESS' as const })));
    const poller = await fleet.worker('poller');
    const lagging = await fleet.worker('lagging');
    // The lagging process waits but cannot poll (stopped): the poller finds every result.
    lagging.wait(ids, { timeoutMs: 30_000 });
    poller.wait(ids, { timeoutMs: 30_000 });
    await sleep(500);
    lagging.kill('SIGSTOP');
    expect(await until(() => ids.every((id) => poller.settled.get(id)?.outcome === 'SUCCESS'), 15_000)).toBe(true);
    await trimPastEveryResult();
    lagging.kill('SIGCONT');
    expect(await until(() => ids.every((id) => lagging.settled.has(id)), 10_000)).toBe(true);
    for (const id of ids) expect(lagging.settled.get(id)?.outcome, id).toBe('SUCCESS');
  }, 40_000);

  it('a stop shorter than a read (a read answered while stopped looks quick) across a trim: every waiter still settles', async () => {
    const sim = fleet.sim();
    const startedAt = Date.now();
    // The read in flight when the process stops is answered with the first news after it (a progress event or
    // the second task's result); the third task's result comes after, and the trim takes it.
    const ids = sim.addTasks([
      { durationMs: 1_000, outcome: 'SUCCESS' as const },
      { durationMs: 5_000, outcome: 'SUCCESS' as const },
      { durationMs: 5_700, outcome: 'SUCCESS' as const },
    ]);
    const late = ids.slice(1);
    const poller = await fleet.worker('poller');
    const lagging = await fleet.worker('lagging');
    lagging.wait(ids, { timeoutMs: 30_000 });
    poller.wait(ids, { timeoutMs: 30_000 });
    expect(await until(() => lagging.settled.has(ids[0] as string) && poller.settled.has(ids[0] as string), 10_000)).toBe(true);
    // Stopped just before the second task ends, resumed as soon as the third's result was published and
    // trimmed away: under 2 s, less than a read may block.
    await sleep(Math.max(0, startedAt + 5_000 - 150 - Date.now()));
    lagging.kill('SIGSTOP');
    expect(await until(() => late.every((id) => poller.settled.get(id)?.outcome === 'SUCCESS'), 10_000)).toBe(true);
    await trimPastEveryResult();
    lagging.kill('SIGCONT');
    expect(await until(() => late.every((id) => lagging.settled.has(id)), 10_000)).toBe(true);
    for (const id of late) expect(lagging.settled.get(id)?.outcome, id).toBe('SUCCESS');
  }, 40_000);
});
