import { describe, expect, it } from 'vitest';
import { sleep, until, useFleet } from './helpers.js';

// The two promises under faults ordinary Redis deployments have: at most 3 requests per second per taskId at
// the provider (judged by the simulator, which counts arrivals per taskId whatever the family path), and
// every waiter settling with the task's real outcome. Forked worker processes run the library's own fleet
// driver (test/fleet/fixtures/watcher-worker.ts), all on the fastest policy so that a broken limit shows.

const fleet = useFleet();

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
});
