import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, MemoryPendingTaskStore, TaskWatcher, WatchTimeoutError, WatcherClosedError, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success, type MockApi, type Reply } from '../helpers/mock-api.js';
import { groupBy, maxInWindow } from '../helpers/windows.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi } {
  const clock = testClock();
  const api = mockApi(answer, clock.now);
  const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, ...extra });
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api };
}

const never = (id: string): Reply => generating(id, '0.10');

describe('deadlines', () => {
  it('rejects with WatchTimeoutError (not a task failure) carrying the last status and progress, and stops polling', async () => {
    const { w, clock, api } = setup(never, { policy: { intervalMs: 1000 } });
    const timeouts: unknown[] = [];
    w.on('timeout', (e) => timeouts.push(e.taskId));
    const p = w.waitForCompletion('t1', { timeoutMs: 5_000 }).catch((e: unknown) => e);
    await clock.advance(6_000);
    const err = await p;
    expect(err).toBeInstanceOf(WatchTimeoutError);
    expect(err).toMatchObject({ code: 'KIE_WATCH_TIMEOUT', taskId: 't1', lastStatus: 'GENERATING', lastProgress: 0.1, timeoutMs: 5_000 });
    expect(timeouts).toEqual(['t1']);
    const n = api.requests.length;
    await clock.advance(5_000);
    expect(api.requests.length).toBe(n);
    expect(w.stats()).toMatchObject({ pending: 0, timedOut: 1, failed: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('times out one waiter without stopping a longer one on the same task', async () => {
    const { w, clock } = setup((id, n) => (n < 8 ? never(id) : success(id)), { policy: { intervalMs: 1000 } });
    const short = w.waitForCompletion('t1', { timeoutMs: 2_000 }).catch((e: unknown) => e);
    const long = w.waitForCompletion('t1', { timeoutMs: 60_000 });
    await clock.advance(12_000);
    expect(await short).toBeInstanceOf(WatchTimeoutError);
    await expect(long).resolves.toMatchObject({ status: 'SUCCESS' });
  });
});

describe('abort', () => {
  it('rejects an aborted waiter with AbortError but keeps polling for the others', async () => {
    const { w, clock } = setup((id, n) => (n < 4 ? never(id) : success(id)), { policy: { intervalMs: 1000 } });
    const ac = new AbortController();
    const a = w.waitForCompletion('t1', { signal: ac.signal }).catch((e: unknown) => e);
    const b = w.waitForCompletion('t1');
    await clock.advance(1_500);
    ac.abort(new Error('user left'));
    const err = await a;
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).name).toBe('AbortError');
    expect((err as AbortError).cause).toMatchObject({ message: 'user left' });
    await clock.advance(5_000);
    await expect(b).resolves.toMatchObject({ status: 'SUCCESS' });
  });

  it('stops polling when the last waiter aborts, unless the task was watched', async () => {
    const { w, clock, api } = setup(never, { policy: { intervalMs: 1000 } });
    const ac = new AbortController();
    const a = w.waitForCompletion('t1', { signal: ac.signal }).catch((e: unknown) => e);
    w.watch('t2');
    const ac2 = new AbortController();
    const b = w.waitForCompletion('t2', { signal: ac2.signal }).catch((e: unknown) => e);
    await clock.advance(1_500);
    ac.abort();
    ac2.abort();
    await a;
    await b;
    const before = api.requests.filter((r) => r.taskId === 't1').length;
    await clock.advance(5_000);
    expect(api.requests.filter((r) => r.taskId === 't1').length).toBe(before);
    expect(w.isWatching('t1')).toBe(false);
    expect(w.isWatching('t2')).toBe(true);
    expect(w.stats().aborted).toBe(1);
  });

  it('rejects at once for an already aborted signal without polling', async () => {
    const { w, api } = setup(never);
    await expect(w.waitForCompletion('t1', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(api.requests).toHaveLength(0);
    expect(w.stats().pending).toBe(0);
  });
});

describe('sharing and caching', () => {
  it('shares one poll stream among 10,000 waiters of one task', async () => {
    const { w, clock, api } = setup((id, n) => (n < 3 ? never(id) : success(id)), { policy: 'fastest' });
    const waits = Array.from({ length: 10_000 }, () => w.waitForCompletion('t1'));
    await clock.advance(3_000);
    const results = await Promise.all(waits);
    expect(results).toHaveLength(10_000);
    expect(api.requests).toHaveLength(4);
    expect(maxInWindow(api.requests.map((r) => r.at), 1000)).toBeLessThanOrEqual(3);
  });

  it('settles a late waiter from the result cache without a request', async () => {
    const { w, clock, api } = setup((id) => success(id));
    const p = w.waitForCompletion('t1');
    await clock.advance(100);
    await p;
    await expect(w.waitForCompletion('t1')).resolves.toMatchObject({ status: 'SUCCESS' });
    expect(api.requests).toHaveLength(1);
  });

  it('forgets cached results after resultCacheTtlMs', async () => {
    const { w, clock, api } = setup((id) => success(id), { resultCacheTtlMs: 1_000 });
    const p = w.waitForCompletion('t1');
    await clock.advance(100);
    await p;
    await clock.advance(2_000);
    const q = w.waitForCompletion('t1');
    await clock.advance(100);
    await q;
    expect(api.requests).toHaveLength(2);
  });

  it('keeps at most resultCacheSize settled results', async () => {
    const { w, clock } = setup((id) => success(id), { resultCacheSize: 2 });
    const ps = ['a', 'b', 'c'].map((id) => w.waitForCompletion(id));
    await clock.advance(2_000);
    await Promise.all(ps);
    expect(w.stats().cached).toBe(2);
  });

  it('watch() of a task settled moments ago emits its outcome again without a request', async () => {
    const { w, clock, api } = setup((id) => success(id));
    const p = w.waitForCompletion('t1');
    await clock.advance(100);
    await p;
    const done: string[] = [];
    w.on('completed', (e) => done.push(e.taskId));
    w.watch('t1');
    expect(done).toEqual([]);
    await clock.settle();
    expect(done).toEqual(['t1']);
    expect(api.requests).toHaveLength(1);
  });

  it('watch() is idempotent and emits completed without any waiter', async () => {
    const { w, clock, api } = setup((id) => success(id));
    const done: string[] = [];
    w.on('completed', (e) => done.push(e.taskId));
    w.watch('t1');
    w.watch('t1');
    await clock.advance(100);
    expect(done).toEqual(['t1']);
    expect(api.requests).toHaveLength(1);
  });
});

describe('embedding', () => {
  it('holds no timer once idle, and onIdle resolves', async () => {
    const { w, clock } = setup((id, n) => (n < 2 ? never(id) : success(id)));
    const p = w.waitForCompletion('t1');
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    const idle = w.onIdle();
    await clock.advance(10_000);
    await p;
    await idle;
    expect(clock.pendingTimers()).toBe(0);
  });

  it('close() rejects outstanding waits with WatcherClosedError, clears every timer, and can be called twice', async () => {
    const { w, clock } = setup(never);
    const a = w.waitForCompletion('t1', { signal: new AbortController().signal }).catch((e: unknown) => e);
    const it = w.updates('t2');
    const b = it.next().catch((e: unknown) => e);
    await clock.advance(100);
    await Promise.all([w.close(), w.close()]);
    expect(await a).toBeInstanceOf(WatcherClosedError);
    const first = await b;
    // t2 may have yielded a progress item before close; the stream then throws the closed error.
    if (!(first instanceof WatcherClosedError)) await expect(it.next()).rejects.toBeInstanceOf(WatcherClosedError);
    expect(clock.pendingTimers()).toBe(0);
    await expect(w.waitForCompletion('t3')).rejects.toBeInstanceOf(WatcherClosedError);
  });

  it('mirrors the pending set in a store and resumes from it after a restart', async () => {
    const store = new MemoryPendingTaskStore();
    const first = setup(never, { store });
    first.w.watch('a');
    first.w.watch('b');
    await first.clock.advance(10);
    expect([...store.list()].map((t) => t.taskId)).toEqual(['a', 'b']);
    await first.w.close();
    const second = setup((id) => success(id), { store });
    await expect(second.w.resume()).resolves.toBe(2);
    await second.clock.advance(100);
    expect([...store.list()]).toEqual([]);
  });

});

describe('scheduling', () => {
  it('adds a poll where steady progress predicts the end: the end seen at once, with at most half the polls of every 2 s', async () => {
    const D = 100_000;
    const ref: { clock?: TestClock } = {};
    const { w, clock, api } = setup((id) => {
      const t = ref.clock?.now() ?? 0;
      // Progress in 1 % steps, reported as the provider does: a string, lagging the truth by up to a step.
      return t >= D ? success(id) : generating(id, (Math.floor(t / 1_000) / 100).toFixed(2));
    });
    ref.clock = clock;
    let doneAt = -1;
    const p = w.waitForCompletion('t1').then(() => (doneAt = clock.now()));
    await clock.advance(D + 20_000, 50);
    await p;
    expect(doneAt - D).toBeLessThan(500);
    // Polling every 2 s would take 51 requests; this is at most half of that.
    expect(api.requests.length).toBeLessThanOrEqual(D / 2_000 / 2);
  });

  it('starves no task when 10,000 are pending and only a few requests may be in flight', async () => {
    const { w, clock, api } = setup(never, { maxInFlight: 4, policy: { intervalMs: 1_000 } });
    for (let i = 0; i < 10_000; i++) w.watch(`t${i}`);
    await clock.advance(5_000, 100);
    const byTask = groupBy(api.requests, (r) => r.taskId);
    expect(byTask.size).toBe(10_000);
    // The slots are the bottleneck; oldest-due-first spreads them evenly: every task is polled, and none
    // gets more than one poll above the fair share.
    const counts = [...byTask.values()].map((r) => r.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('respects an account-wide requests-per-second budget', async () => {
    const { w, clock, api } = setup(never, { accountRequestsPerSecond: 5, policy: 'fastest' });
    for (let i = 0; i < 20; i++) w.watch(`t${i}`);
    await clock.advance(10_000);
    expect(maxInWindow(api.requests.map((r) => r.at), 999)).toBeLessThanOrEqual(5 + 5);
    const total = api.requests.length;
    expect(total).toBeGreaterThanOrEqual(45);
    expect(total).toBeLessThanOrEqual(56);
  });

  it('keeps each task within 3 requests per sliding second under errors, 429s and the fastest policy', async () => {
    const replies = (id: string, n: number): Reply =>
      n % 5 === 0 ? { status: 503, body: '' } : n % 7 === 0 ? { body: { code: 429, msg: '', data: null } } : n % 3 === 0 ? { body: '{oops' } : never(id);
    const { w, clock, api } = setup(replies, { policy: 'fastest', retry: { baseDelayMs: 0, maxConsecutiveErrors: 1e6, maxInvalidResponses: 1e6 } });
    for (let i = 0; i < 20; i++) w.watch(`t${i}`);
    await clock.advance(20_000, 5);
    for (const [, reqs] of groupBy(api.requests, (r) => r.taskId)) {
      expect(maxInWindow(reqs.map((r) => r.at), 1000)).toBeLessThanOrEqual(3);
      expect(reqs.length).toBeGreaterThan(40);
    }
  });
});
