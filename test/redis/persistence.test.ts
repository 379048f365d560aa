import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisFleetStore, type FleetMessage } from '../../src/redis/index.js';
import { RedisServer, type AppendOnly } from '../helpers/redis-server.js';
import { sleep, task, until } from './helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serverWith(appendonly: AppendOnly): Promise<RedisServer> {
  const server = await RedisServer.start({ appendonly });
  cleanup.push(() => server.stop());
  return server;
}

function storeOn(server: RedisServer, opts: { onReset?: () => void } = {}): RedisFleetStore {
  const client = new Redis({ path: server.socket });
  client.on('error', () => undefined);
  // A generous send guard: a tick claiming hundreds of tasks on a busy machine must not have its claims released.
  const store = new RedisFleetStore({ redis: client, sendGuardMs: 2_000, ...opts });
  cleanup.push(async () => {
    await store.close();
    client.disconnect();
  });
  return store;
}

async function fill(store: RedisFleetStore, n: number): Promise<void> {
  await store.register(Array.from({ length: n }, (_, i) => ({ key: task(i), timeoutMs: 600_000 })));
  const t = await store.tick([], 10);
  await store.tick(t.claims.map((c) => ({ kind: 'next' as const, key: c.key, fence: c.fence, delayMs: 0, state: `{"seen":"${c.key.taskId}"}` })), 0);
}

describe('with AOF', () => {
  for (const mode of ['everysec', 'always'] as const) {
    it(`the pending set and task state survive a restart (appendfsync ${mode})`, async () => {
      const server = await serverWith(mode);
      let resets = 0;
      const store = storeOn(server, { onReset: () => resets++ });
      await fill(store, 300);
      await server.restart();
      const after = storeOn(server);
      const pending = await after.listPending();
      expect(pending).toHaveLength(300);
      await sleep(400);
      const claims = (await after.tick([], 300)).claims;
      expect(claims.filter((c) => c.state !== null)).toHaveLength(10);
      // Same data, same epoch: nobody needs to register again.
      expect(await until(async () => (await store.tick([], 0).then(() => true, () => false)))).toBe(true);
      expect(resets).toBe(0);
    });
  }

  it('appendfsync always: the pending set survives kill -9 of redis-server', async () => {
    const server = await serverWith('always');
    await fill(storeOn(server), 100);
    await server.crash();
    await server.startAgain();
    expect(await storeOn(server).listPending()).toHaveLength(100);
  });

  it('appendfsync everysec: what was written over a second before kill -9 survives', async () => {
    const server = await serverWith('everysec');
    await fill(storeOn(server), 100);
    await sleep(1_500);
    await server.crash();
    await server.startAgain();
    expect(await storeOn(server).listPending()).toHaveLength(100);
  });

  it('a subscriber loses no result across a Redis restart', async () => {
    const server = await serverWith('everysec');
    const producer = storeOn(server);
    const consumer = storeOn(server);
    const seen: FleetMessage[] = [];
    await consumer.subscribe((m) => seen.push(m));
    const settle = async (ids: number[]): Promise<void> => {
      await producer.register(ids.map((i) => ({ key: task(i) })));
      const t = await producer.tick([], ids.length);
      await producer.tick(t.claims.map((c) => ({ kind: 'final' as const, key: c.key, fence: c.fence, result: '{}' })), 0);
    };
    await settle([1, 2]);
    expect(await until(() => seen.length === 2)).toBe(true);
    await server.restart();
    expect(await until(async () => settle([3, 4]).then(() => true, () => false), 5_000)).toBe(true);
    const finals = (): string[] => seen.flatMap((m) => (m.type === 'final' ? [m.key.taskId] : []));
    expect(await until(() => finals().length === 4, 5_000)).toBe(true);
    expect(finals()).toEqual(['t-1', 't-2', 't-3', 't-4']);
  });
});
