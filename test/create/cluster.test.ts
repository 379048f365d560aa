import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { TaskWatcher } from '../../src/index.js';
import { RedisCoordinator } from '../../src/redis/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { RedisCluster } from '../helpers/redis-cluster.js';

/*
 * Creating with a coordinator on a real Redis Cluster (three masters on loopback, the set-up of
 * test/redis/cluster.test.ts): the creation window (create-slot.lua) and the submit keys (submit-key.lua) must
 * each run on one node, so their keys share the account's hash tag. Two watchers, each on its own ioredis
 * `Cluster`, create against one simulator, which counts every create on arrival and bills per request body.
 */

const KEY = 'cluster-create-key';
let cluster: RedisCluster;
let sim: KieSimulator;

beforeAll(async () => {
  cluster = await RedisCluster.start(3);
  sim = await startSimulator({ apiKey: KEY, generate: { minDurationMs: 50, maxDurationMs: 150, failureRate: 0 }, creation: { requests: 6, windowMs: 600 } });
}, 60_000);
afterAll(async () => {
  await sim?.close();
  await cluster?.stop();
});

function member(): { watcher: TaskWatcher; client: Cluster } {
  const client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 0 } });
  client.on('error', () => undefined);
  const watcher = new TaskWatcher({
    apiKey: KEY,
    baseUrl: sim.url,
    policy: 'fastest',
    requestTimeoutMs: 1_500,
    submitLimit: { requests: 6, windowMs: 600 },
    coordinator: new RedisCoordinator({ redis: client, operationTimeoutMs: 2_000 }),
  });
  return { watcher, client };
}

describe('creating with a coordinator on a Redis Cluster (3 masters)', () => {
  it('keeps the creation limit fleet-wide, shares a submit key between processes, and keeps every key of the account on one node', async () => {
    const a = member();
    const b = member();
    try {
      const input = (p: string) => ({ prompt: p, size: '1:1' }) as const;
      // 12 generates from each watcher, through the fleet-wide window: 6 per 600 ms at the simulator.
      const made = await Promise.all(
        [a, b].flatMap((m, i) => Array.from({ length: 12 }, (_, j) => m.watcher.generate('gpt4o-image', input(`fox ${i}-${j}`), { key: `c-${i}-${j}`, timeoutMs: 30_000 }))),
      );
      expect(made.every((r) => r.taskId.length > 0)).toBe(true);
      expect(new Set(made.map((r) => r.taskId)).size).toBe(24);
      // One submit key from both watchers at once: one create, one taskId for both.
      const [ka, kb] = await Promise.all([
        a.watcher.submit('gpt4o-image', input('shared fox'), { key: 'shared-1' }),
        b.watcher.submit('gpt4o-image', input('shared fox'), { key: 'shared-1' }),
      ]);
      expect(kb.taskId).toBe(ka.taskId);
      const st = sim.createStats();
      expect({ violations: st.windowViolations, rateLimited: st.rateLimited, created: st.created, billedTwice: st.billedTwice }).toEqual({ violations: 0, rateLimited: 0, created: 25, billedTwice: 0 });
      expect(st.maxInWindow).toBeLessThanOrEqual(6);

      // The creation keys (window, submit keys) and the fleet's keys hash to one slot, on one node.
      const masters = a.client.nodes('master');
      expect(masters).toHaveLength(3);
      const keys = await Promise.all(masters.map((n) => n.keys('kie:*')));
      expect(keys.filter((k) => k.length > 0)).toHaveLength(1);
      const all = keys.flat();
      expect(all.some((k) => k.endsWith(':cs'))).toBe(true);
      expect(all.some((k) => k.includes(':sk:shared-1'))).toBe(true);
    } finally {
      await Promise.all([a.watcher.close(), b.watcher.close()]);
      a.client.disconnect();
      b.client.disconnect();
    }
  }, 90_000);
});
