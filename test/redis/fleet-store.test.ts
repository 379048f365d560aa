import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { RedisCoordinator, RedisFleetStore, type FleetMessage } from '../../src/redis/index.js';
import { TaskWatcher } from '../../src/index.js';
import { sleep, task, until, useRedis } from './helpers.js';

const redis = useRedis();
const hashKey = (id: string | number): string => `kie:{default}:t:_4:t-${id}`;

describe('register', () => {
  it('makes new tasks due at once, reports ones already pending, and extends their deadline', async () => {
    const store = redis.store();
    expect(await store.register([{ key: task(1), timeoutMs: 1_000 }, { key: task(2) }])).toEqual([
      { key: task(1), status: 'new' },
      { key: task(2), status: 'new' },
    ]);
    const c = redis.client();
    const before = Number(await c.hget(hashKey(1), 'd'));
    expect(await store.register([{ key: task(1), timeoutMs: 60_000 }])).toEqual([{ key: task(1), status: 'pending' }]);
    const after = Number(await c.hget(hashKey(1), 'd'));
    expect(after - before).toBeGreaterThanOrEqual(59_000 - 100);
    // A shorter deadline never shortens a longer one: another waiter still wants it.
    await store.register([{ key: task(1), timeoutMs: 10 }]);
    expect(Number(await c.hget(hashKey(1), 'd'))).toBe(after);
    const t = await store.tick([], 10);
    expect(t.claims.map((c) => c.key.taskId).sort()).toEqual(['t-1', 't-2']);
    expect(t.claims.find((c) => c.key.taskId === 't-2')?.deadlineAt).toBe(Infinity);
    // The extended deadline, in epoch ms (stored relative to watchedAt).
    const d1 = t.claims.find((c) => c.key.taskId === 't-1')?.deadlineAt ?? 0;
    expect(Math.abs(d1 - (Date.now() + 60_000))).toBeLessThan(2_000);
  });

  it('returns the stored result of a task that already settled, so a late waiter settles at once', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const [claim] = (await store.tick([], 1)).claims;
    await store.tick([{ kind: 'final', key: task(1), fence: claim?.fence ?? 0, result: '{"status":"SUCCESS"}' }], 0);
    const late = redis.store();
    expect(await late.register([{ key: task(1) }])).toEqual([{ key: task(1), status: 'settled', result: '{"status":"SUCCESS"}' }]);
    expect((await late.tick([], 10)).claims).toEqual([]);
  });

  it('holds a new task back for delayMs, unless a poke for it arrived first', async () => {
    const store = redis.store();
    expect(await store.poke(task('early'))).toBe('remembered');
    await store.register([{ key: task('early'), delayMs: 60_000 }, { key: task('late'), delayMs: 60_000 }]);
    const t = await store.tick([], 10);
    expect(t.claims.map((c) => c.key)).toEqual([task('early')]);
    expect(t.nextDueInMs).toBeGreaterThan(19_000);
  });

  it('keeps the watchedAt it is given, and takes Redis time otherwise', async () => {
    const store = redis.store();
    await store.register([{ key: task(1), watchedAt: 1_700_000_000_000 }, { key: task(2) }]);
    const pending = await store.listPending();
    const byId = new Map(pending.map((p) => [p.key.taskId, p]));
    expect(byId.get('t-1')?.watchedAt).toBe(1_700_000_000_000);
    const redisNow = Number((await redis.client().time())[0]) * 1000;
    expect(Math.abs((byId.get('t-2')?.watchedAt ?? 0) - redisNow)).toBeLessThan(2_000);
  });

  it('rejects malformed task keys before touching Redis', async () => {
    const store = redis.store();
    await expect(store.register([{ key: { family: 'Bad Family', taskId: 'x' } }])).rejects.toThrow(TypeError);
    await expect(store.register([{ key: { family: 'ok', taskId: 'has space' } }])).rejects.toThrow(TypeError);
    await expect(store.register([{ key: { family: 'ok', taskId: 'x'.repeat(129) } }])).rejects.toThrow(TypeError);
    expect(() => new RedisFleetStore({ redis: redis.client(), account: 'a{b}' })).toThrow(TypeError);
  });

  it('registers thousands of tasks in one call', async () => {
    const store = redis.store();
    const keys = Array.from({ length: 3_000 }, (_, i) => ({ key: task(i) }));
    const out = await store.register(keys);
    expect(out.filter((o) => o.status === 'new')).toHaveLength(3_000);
    expect(await redis.client().zcard('kie:{default}:due')).toBe(3_000);
  });
});

describe('tick', () => {
  it('claims at most maxClaims and says when the next one is due', async () => {
    const store = redis.store();
    await store.register(Array.from({ length: 5 }, (_, i) => ({ key: task(i) })));
    const t = await store.tick([], 3);
    expect(t.claims).toHaveLength(3);
    expect(t.nextDueInMs).toBe(0);
    expect((await store.tick([], 10)).claims).toHaveLength(2);
    const idle = await store.tick([], 10);
    expect(idle.claims).toHaveLength(0);
    // Nothing reported: due again when the leases (20 s by default) lapse.
    expect(idle.nextDueInMs).toBeGreaterThan(19_000);
  });

  it('hands the state of the last accepted report to the next claimer, with a higher fence', async () => {
    const a = redis.store({ owner: 'a' });
    const b = redis.store({ owner: 'b' });
    await a.register([{ key: task(1) }]);
    const [first] = (await a.tick([], 1)).claims;
    expect(first?.state).toBeNull();
    await a.tick([{ kind: 'next', key: task(1), fence: first?.fence ?? 0, delayMs: 0, state: '{"polls":1}' }], 0);
    expect(await until(async () => ((await b.tick([], 0)).nextDueInMs ?? 1) === 0, 2_000)).toBe(true);
    const [second] = (await b.tick([], 1)).claims;
    expect(second?.state).toBe('{"polls":1}');
    expect(second?.fence).toBeGreaterThan(first?.fence ?? Infinity);
    expect(await redis.client().hget(hashKey(1), 'o')).toBe('b');
  });

  it("keeps a polled task's hash in Redis's compact encoding through claims and reports (the memory per task depends on it)", async () => {
    // Redis turns a hash into a hash table, for good, as soon as one value exceeds hash-max-listpack-value (64).
    const store = redis.store();
    const c = redis.client();
    const key = { family: 'gpt4o-image', taskId: '4bf1f0e5c6d4a9e0b1c2d3e4f5a6b7c8' };
    const hash = `kie:{default}:t:_4:${key.taskId}`;
    await store.register([{ key, timeoutMs: 3_600_000 }]);
    const state = `[187,3,5997,"GENERATING",0.87,0.05,99,5988,-25,2,0,1,"${'x'.repeat(8)}"]`.padEnd(64, ' ');
    for (let i = 0; i < 3; i++) {
      const [claim] = (await store.tick([], 1)).claims;
      expect(claim?.key).toEqual(key);
      expect(await c.hget(hash, 'o')).toBe(store.owner);
      expect(await c.call('OBJECT', 'ENCODING', hash)).toBe('listpack');
      await store.tick([{ kind: 'next', key, fence: claim?.fence ?? 0, delayMs: 0, state }], 0);
      expect(await c.call('OBJECT', 'ENCODING', hash)).toBe('listpack');
      await sleep(400); // the task's GCRA interval
    }
  });

  it('refuses an owner name longer than 64 bytes, which would cost every claimed task its compact encoding', () => {
    expect(() => redis.store({ owner: 'é'.repeat(33) })).toThrow(/owner must be a string of 1 to 64 bytes/);
    expect(redis.store({ owner: 'o'.repeat(64) }).owner).toHaveLength(64);
  });

  it('reschedules a reported task no earlier than its delay', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const t1 = await store.tick([], 1);
    const t2 = await store.tick([{ kind: 'next', key: task(1), fence: t1.claims[0]?.fence ?? 0, delayMs: 5_000, state: '{}' }], 1);
    expect(t2.claims).toEqual([]);
    expect(t2.nextDueAt).toBeGreaterThanOrEqual(t2.redisNow + 4_999);
    expect(t2.nextDueAt).toBeLessThanOrEqual(t2.redisNow + 5_001);
  });

  it('fans out a progress event only when the report carries one', async () => {
    const store = redis.store();
    const seen: FleetMessage[] = [];
    await store.subscribe((m) => seen.push(m));
    await store.register([{ key: task(1) }]);
    const t1 = await store.tick([], 1);
    await store.tick([{ kind: 'next', key: task(1), fence: t1.claims[0]?.fence ?? 0, delayMs: 0, state: '{}', event: '{"progress":0.4}' }], 0);
    await until(() => seen.length > 0);
    expect(seen).toEqual([{ type: 'event', key: task(1), event: '{"progress":0.4}', id: expect.any(String) }]);
    expect(await redis.client().xlen('kie:{default}:events')).toBe(1);
    expect(await redis.client().xlen('kie:{default}:results')).toBe(0);
  });

  it('drops a due task whose every waiter gave up, without claiming it', async () => {
    const store = redis.store();
    await store.register([{ key: task(1), timeoutMs: 0 }]);
    await sleep(5);
    const t = await store.tick([], 10);
    expect(t.claims).toEqual([]);
    expect(t.expired).toEqual([task(1)]);
    expect(await store.listPending()).toEqual([]);
    expect(await redis.client().exists(hashKey(1))).toBe(0);
  });
});

describe('fencing', () => {
  it('ignores every report of a claimer whose lease lapsed and whose task another process claimed', async () => {
    const a = redis.store({ owner: 'a', leaseMs: 200, leaseMarginMs: 10 });
    const b = redis.store({ owner: 'b', leaseMs: 20_000 });
    await a.register([{ key: task(1) }]);
    const [stale] = (await a.tick([], 1)).claims;
    await sleep(400);
    const [fresh] = (await b.tick([], 1)).claims;
    expect(fresh?.fence).toBeGreaterThan(stale?.fence ?? Infinity);
    const c = redis.client();
    const scoreBefore = await c.zscore('kie:{default}:due', '_4:t-1');
    await a.tick(
      [
        { kind: 'next', key: task(1), fence: stale?.fence ?? 0, delayMs: 0, state: '{"stale":true}', event: '{"x":1}' },
        { kind: 'release', key: task(1), fence: stale?.fence ?? 0 },
      ],
      0,
    );
    expect(await c.zscore('kie:{default}:due', '_4:t-1')).toBe(scoreBefore);
    expect(await c.hget(hashKey(1), 's')).toBeNull();
    expect(await c.hget(hashKey(1), 'r')).toBeNull();
    expect(await c.exists('kie:{default}:results', 'kie:{default}:events')).toBe(0);
    // A final answer is the task's own, whoever holds the claim: kept even from a stale claimer (a poll out
    // while Redis lost its data reports with a fence from before the loss), and the current claimer's later
    // final is then ignored.
    await a.tick([{ kind: 'final', key: task(1), fence: stale?.fence ?? 0, result: '{"ok":1}' }], 0);
    expect(await c.hget(hashKey(1), 'r')).toBe('{"ok":1}');
    await b.tick([{ kind: 'final', key: task(1), fence: fresh?.fence ?? 0, result: '{"ok":2}' }], 0);
    expect(await c.hget(hashKey(1), 'r')).toBe('{"ok":1}');
    expect(await c.xlen('kie:{default}:results')).toBe(1);
  });

  it('applies a final only once, even when the claimer repeats it', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const [claim] = (await store.tick([], 1)).claims;
    const final = { kind: 'final' as const, key: task(1), fence: claim?.fence ?? 0, result: '{}' };
    await store.tick([final], 0);
    await store.tick([final], 0);
    expect(await redis.client().xlen('kie:{default}:results')).toBe(1);
  });

  it('keeps fences rising after Redis lost the counter', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const [first] = (await store.tick([], 1)).claims;
    await redis.client().del('kie:{default}:fence');
    await store.tick([{ kind: 'release', key: task(1), fence: first?.fence ?? 0 }], 0);
    await sleep(400);
    const [second] = (await store.tick([], 1)).claims;
    expect(second?.fence).toBeGreaterThan(first?.fence ?? Infinity);
  });
});

describe('leases', () => {
  it('makes an unreported claim claimable by another owner once leaseMs has passed, not before', async () => {
    const leaseMs = 600;
    const a = redis.store({ owner: 'a', leaseMs, leaseMarginMs: 10 });
    const b = redis.store({ owner: 'b', leaseMs, leaseMarginMs: 10 });
    await a.register([{ key: task(1) }]);
    const claimedBy = await a.tick([], 1);
    expect(claimedBy.claims).toHaveLength(1);
    let takeover: number | undefined;
    while (takeover === undefined) {
      const t = await b.tick([], 1);
      if (t.claims.length > 0) takeover = t.redisNow - claimedBy.redisNow;
      else await sleep(5);
    }
    expect(takeover).toBeGreaterThanOrEqual(leaseMs);
    expect(takeover).toBeLessThan(leaseMs + 100);
  });

  it('lets a released claim be claimed again as soon as its GCRA allows', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const t1 = await store.tick([], 1);
    const t2 = await store.tick([{ kind: 'release', key: task(1), fence: t1.claims[0]?.fence ?? 0 }], 1);
    expect(t2.claims).toEqual([]);
    expect(t2.nextDueAt).toBeGreaterThanOrEqual(t1.redisNow + 374);
    expect(t2.nextDueAt).toBeLessThanOrEqual(t1.redisNow + 376);
  });
});

describe('poke', () => {
  it('makes a waiting task due now (still under its GCRA)', async () => {
    const store = redis.store();
    await store.register([{ key: task(1), delayMs: 60_000 }]);
    expect((await store.tick([], 1)).claims).toEqual([]);
    expect(await store.poke(task(1))).toBe('due');
    expect((await store.tick([], 1)).claims).toHaveLength(1);
  });

  it("flags a claimed task, so that the claimer's next report makes it due at once whatever delay it asks", async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    const t1 = await store.tick([], 1);
    expect(await store.poke(task(1))).toBe('flagged');
    const t2 = await store.tick([{ kind: 'next', key: task(1), fence: t1.claims[0]?.fence ?? 0, delayMs: 60_000, state: '{}' }], 0);
    // Due at once, which the GCRA turns into one interval after the claim.
    expect(t2.nextDueAt).toBeLessThanOrEqual(t1.redisNow + 376);
    // The flag is spent: the following report's delay counts again.
    await sleep(400);
    const t3 = await store.tick([], 1);
    const t4 = await store.tick([{ kind: 'next', key: task(1), fence: t3.claims[0]?.fence ?? 0, delayMs: 60_000, state: '{}' }], 0);
    expect(t4.nextDueInMs).toBeGreaterThan(59_000);
  });

  it('says settled for a task with a stored result, and forgets a poke for an unknown task after pokeMemoryMs', async () => {
    const store = redis.store({ pokeMemoryMs: 50 });
    await store.register([{ key: task(1) }]);
    const [c] = (await store.tick([], 1)).claims;
    await store.tick([{ kind: 'final', key: task(1), fence: c?.fence ?? 0, result: '{}' }], 0);
    expect(await store.poke(task(1))).toBe('settled');
    expect(await store.poke(task(2))).toBe('remembered');
    await sleep(100);
    await store.register([{ key: task(2), delayMs: 60_000 }]);
    expect((await store.tick([], 1)).claims).toEqual([]);
  });
});

describe('callbacks for taskIds nobody watches', () => {
  it("a watcher's poke of 500 unknown taskIds (each poked under every family) leaves one small key per taskId, each with a short TTL", async () => {
    const client = redis.client();
    // No simulator needed: nothing is watched, so nothing is polled.
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', coordinator: new RedisCoordinator({ redis: client }) });
    try {
      for (let i = 0; i < 500; i++) expect(watcher.poke(`unknown-${i}`)).toBe(false);
      const admin = redis.client();
      const countCb = async (): Promise<number> => (await admin.keys('*:cb:unknown-*')).length;
      expect(await until(async () => (await countCb()) === 500, 10_000)).toBe(true);
      await sleep(300);
      // Everything the pokes wrote: the 500 marks and the cap's counter, beside the account's own keys and the
      // dashboard's heartbeat of this process.
      const keys = (await admin.keys('*')).filter((k) => !/:(epoch|fence|events|results|procs|proc:.*)$/.test(k));
      expect(keys.filter((k) => !/:cb:unknown-\d+$/.test(k))).toEqual([expect.stringMatching(/:cbn$/)]);
      for (const k of keys.slice(0, 50)) {
        const ttl = await admin.pttl(k);
        expect(ttl, k).toBeGreaterThan(0);
        expect(ttl, k).toBeLessThanOrEqual(60_000);
        expect(await admin.memory('USAGE', k), k).toBeLessThan(160);
      }
    } finally {
      await watcher.close();
    }
  });

  it("a watcher's poke of a taskId it does not watch is one Redis round trip, whatever the number of families", async () => {
    const client = redis.client();
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', coordinator: new RedisCoordinator({ redis: client }) });
    // MONITOR on a plain socket: one line per command, `[db lua]` for the commands a script runs.
    const monitor = connect(redis.server().socket);
    await new Promise((r) => monitor.once('connect', r));
    let lines = '';
    monitor.on('data', (c: Buffer) => (lines += c.toString()));
    monitor.write('MONITOR\r\n');
    expect(await until(() => lines.startsWith('+OK'))).toBe(true);
    // Top-level commands naming the taskId.
    const calls = (): string[] => lines.split('\r\n').filter((l) => l.includes('nobody-watches-me') && !/^\+[\d.]+ \[\d+ lua\]/.test(l));
    try {
      expect(watcher.poke('nobody-watches-me')).toBe(false);
      const admin = redis.client();
      expect(await until(async () => (await admin.keys('*:cb:nobody-watches-me')).length === 1, 5_000)).toBe(true);
      await sleep(500);
      // (the test's own KEYS above left out; the first call of a script is EVAL, later ones EVALSHA)
      const commands = calls()
        .map((l) => /\] "(\w+)"/.exec(l)?.[1]?.toLowerCase())
        .filter((c) => c !== 'keys');
      expect(commands).toHaveLength(1);
      expect(commands[0]).toMatch(/^eval(sha)?$/);
      // Every built-in family's member went in that one call.
      expect(calls().find((l) => /\] "eval/i.test(l))?.match(/:nobody-watches-me"/g)).toHaveLength(8);
    } finally {
      monitor.destroy();
      await watcher.close();
    }
  });

  it('a poke remembered under one family path makes the task due at once when registered under another', async () => {
    const store = redis.store();
    expect(await store.poke(task('x', 'veo'))).toBe('remembered');
    expect(await store.poke(task('x', 'suno'))).toBe('remembered');
    await store.register([{ key: task('x'), delayMs: 60_000 }]);
    expect((await store.tick([], 10)).claims.map((c) => c.key)).toEqual([task('x')]);
  });

  it('stores nothing for unknown taskIds past 10,000 a window', async () => {
    const store = redis.store();
    const replies: string[] = [];
    // In batches: 10,000 calls at once outlast the operation timeout on a busy machine.
    for (let b = 0; b < 10_050; b += 500) replies.push(...(await Promise.all(Array.from({ length: Math.min(500, 10_050 - b) }, (_, i) => store.poke(task(`u${b + i}`))))));
    expect(replies.filter((r) => r === 'remembered')).toHaveLength(10_000);
    expect(replies.filter((r) => r === 'ignored')).toHaveLength(50);
    expect((await redis.client().keys('*:cb:*')).length).toBe(10_000);
    // A task somebody registered is still poked past the cap.
    await store.register([{ key: task('known'), delayMs: 60_000 }]);
    expect(await store.poke(task('known'))).toBe('due');
  });
});

describe('account pause and budget', () => {
  it('claims nothing while the account is paused and says when the pause ends; a shorter pause never shortens it', async () => {
    const store = redis.store();
    await store.register([{ key: task(1) }]);
    expect(await store.pause(300)).toBe(300);
    expect(await store.pause(50)).toBeGreaterThan(200);
    const t = await store.tick([], 1);
    expect(t.claims).toEqual([]);
    expect(t.nextDueInMs).toBeGreaterThan(200);
    expect(t.nextDueInMs).toBeLessThanOrEqual(300);
    expect(await until(async () => (await store.tick([], 1)).claims.length === 1, 2_000)).toBe(true);
  });

  it('pauses every process of the fleet, and a longer pause extends it', async () => {
    const a = redis.store();
    const b = redis.store();
    await a.register([{ key: task(1) }]);
    await a.pause(100);
    expect(await b.pause(5_000)).toBe(5_000);
    await sleep(150);
    expect((await a.tick([], 1)).claims).toEqual([]);
  });

  it('shares one account budget (with its burst) across processes', async () => {
    const budget = { requestsPerSecond: 10, burst: 3 };
    const stores = [redis.store({ accountBudget: budget }), redis.store({ accountBudget: budget })];
    await stores[0]?.register(Array.from({ length: 40 }, (_, i) => ({ key: task(i) })));
    const times: number[] = [];
    const end = Date.now() + 1_000;
    await Promise.all(
      stores.map(async (s) => {
        while (Date.now() < end) {
          const t = await s.tick([], 40);
          for (let i = 0; i < t.claims.length; i++) times.push(t.redisNow);
          await sleep(5);
        }
      }),
    );
    const span = Math.max(...times) - Math.min(...times);
    // burst + one per 100 ms of the span, and never more.
    expect(times.length).toBeLessThanOrEqual(3 + Math.floor(span / 100) + 1);
    expect(times.length).toBeGreaterThanOrEqual(3 + Math.floor(span / 100) - 1);
  });
});

describe('results', () => {
  it('stores a final result with a TTL, removes the task from the due set and streams it', async () => {
    const store = redis.store({ resultTtlMs: 60_000 });
    await store.register([{ key: task(1) }]);
    const [c] = (await store.tick([], 1)).claims;
    await store.tick([{ kind: 'final', key: task(1), fence: c?.fence ?? 0, result: '{"r":1}' }], 0);
    const admin = redis.client();
    expect(await admin.zscore('kie:{default}:due', '_4:t-1')).toBeNull();
    const ttl = await admin.pttl(hashKey(1));
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const entries = await admin.xrange('kie:{default}:results', '-', '+');
    expect(entries.map(([, f]) => f)).toEqual([['m', '_4:t-1', 'r', '{"r":1}']]);
  });

  it('trims the results stream to about resultsMaxLen', async () => {
    const store = redis.store({ resultsMaxLen: 100 });
    const n = 400;
    await store.register(Array.from({ length: n }, (_, i) => ({ key: task(i) })));
    const t = await store.tick([], n);
    await store.tick(t.claims.map((c) => ({ kind: 'final' as const, key: c.key, fence: c.fence, result: '{}' })), 0);
    const len = await redis.client().xlen('kie:{default}:results');
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(n);
  });
});

describe('listPending', () => {
  it('returns every pending task to processes that start after all others stopped', async () => {
    const first = redis.store();
    const n = 2_500;
    await first.register(Array.from({ length: n }, (_, i) => ({ key: task(i), timeoutMs: i % 2 === 0 ? 60_000 : null })));
    const t = await first.tick([], 10);
    await first.tick([{ kind: 'final', key: t.claims[0]!.key, fence: t.claims[0]!.fence, result: '{}' }], 0);
    await first.close();
    const later = new RedisFleetStore({ redis: new Redis({ path: redis.server().socket }) });
    try {
      const pending = await later.listPending();
      expect(pending).toHaveLength(n - 1);
      expect(new Set(pending.map((p) => p.key.taskId)).size).toBe(n - 1);
      expect(pending.find((p) => p.key.taskId === 't-1')?.deadlineAt).toBe(Infinity);
      expect(Math.abs((pending.find((p) => p.key.taskId === 't-2')?.deadlineAt ?? 0) - (Date.now() + 60_000))).toBeLessThan(5_000);
    } finally {
      await later.close();
    }
  });
});

describe('connections', () => {
  it('leaves a client passed in open on close(), and closes one it made from a URL', async () => {
    const c = redis.client();
    const passed = new RedisFleetStore({ redis: c });
    await passed.register([{ key: task(1) }]);
    await passed.subscribe(() => undefined);
    await passed.close();
    expect(c.status).toBe('ready');
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('works the same over RESP2, RESP3 and RESP3 with plain-object replies', async () => {
    for (const [protocol, replyMapping] of [[2, 'legacy'], [3, 'legacy'], [3, 'resp3']] as const) {
      await redis.client().flushall();
      const store = redis.store();
      const other = new RedisFleetStore({ redis: redis.server().client({ protocol, replyMapping }) });
      const seen: FleetMessage[] = [];
      await other.subscribe((m) => seen.push(m));
      await other.register([{ key: task(1) }]);
      const [c] = (await other.tick([], 1)).claims;
      expect(c?.state).toBeNull();
      await other.tick([{ kind: 'final', key: task(1), fence: c?.fence ?? 0, result: '{"p":' + protocol + '}' }], 0);
      expect(await until(() => seen.length === 1)).toBe(true);
      expect(seen[0]).toMatchObject({ type: 'final', key: task(1), result: `{"p":${protocol}}` });
      expect(await store.listPending()).toEqual([]);
      await other.close();
    }
  });
});
