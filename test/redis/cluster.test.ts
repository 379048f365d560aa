import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { sleep, until, useFleet } from '../fleet/helpers.js';

// The fleet on a real Redis Cluster: three masters on loopback (`redis-server --cluster-enabled yes`, joined by
// `redis-cli --cluster create`), each worker passing an ioredis `Cluster` as `redis`. Every key of an account
// carries its hash tag, so each script and each XREAD goes to one node; judged at the simulator as elsewhere.

const fleet = useFleet();
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('a fleet on a Redis Cluster (3 masters)', () => {
  it('keeps the limit, fans every result out to every waiter, and takes a killed worker’s tasks over', async () => {
    const sim = fleet.sim();
    const ids = sim.addTasks(Array.from({ length: 24 }, (_, i) => ({ durationMs: 2_000 + (i % 6) * 700, outcome: i % 5 === 0 ? ('GENERATE_FAILED' as const) : ('SUCCESS' as const) })));
    const never = sim.addTasks(Array.from({ length: 4 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const opts = { cluster: cluster.nodes, leaseMs: 2_000 };
    const a = await fleet.worker('a', opts);
    const b = await fleet.worker('b', opts);
    const victim = await fleet.worker('victim', opts);
    for (const w of [a, b, victim]) w.wait([...ids, ...never], { timeoutMs: 60_000 });
    // Fan-out: every result reaches both survivors, each with the task's real outcome.
    expect(await until(() => ids.every((id) => a.settled.has(id) && b.settled.has(id)), 30_000)).toBe(true);
    for (const id of ids) {
      const expected = sim.taskStats(id)?.outcome === 'SUCCESS' ? 'SUCCESS' : 'KIE_TASK_FAILED';
      expect(a.settled.get(id)?.outcome, id).toBe(expected);
      expect(b.settled.get(id)?.outcome, id).toBe(expected);
    }
    // Takeover: after kill -9, the never-ending tasks (some held by the victim) keep being polled.
    victim.kill('SIGKILL');
    const before = new Map(never.map((id) => [id, sim.taskStats(id)?.requests ?? 0]));
    await sleep(2_000 + 1_500);
    for (const id of never) expect(sim.taskStats(id)?.requests ?? 0, id).toBeGreaterThan(before.get(id) ?? 0);
    expect(sim.stats().violations).toBe(0);
    expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    // The account's keys all live in one slot, on one node: the hash tag routes every script there.
    const client = new Cluster([...cluster.nodes]);
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      const masters = client.nodes('master');
      expect(masters).toHaveLength(3);
      const holding = await Promise.all(masters.map(async (n) => (await n.keys('kie:*')).length));
      expect(holding.filter((n) => n > 0)).toHaveLength(1);
    } finally {
      client.disconnect();
    }
  }, 90_000);
});
