/**
 * A deadline that comes before the next poll gets one last poll at the deadline (within the per-task limit)
 * before a timeout is reported. FAILS as of e9fb829: a 500 ms task watched with `timeoutMs: 3000` ended in
 * KIE_WATCH_TIMEOUT, its second poll being due after the deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, WatchTimeoutError, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success, type MockApi, type Reply } from '../helpers/mock-api.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number, now: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi } {
  const clock = testClock();
  const api = mockApi((id, n) => answer(id, n, clock.now()), clock.now);
  const w = new TaskWatcher({ apiKey: 'k-last-poll-1234', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, ...extra });
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api };
}

function track<T>(p: Promise<T>): { value?: T; error?: unknown; at?: number } {
  const r: { value?: T; error?: unknown; at?: number } = {};
  p.then(
    (v) => (r.value = v),
    (e: unknown) => (r.error = e),
  );
  return r;
}

describe('the deadline before the next poll', () => {
  it('a 500 ms task watched with timeoutMs 3000, its second poll due at 3.5 s, resolves: one last poll goes at the deadline', async () => {
    const { w, clock, api } = setup((id, _n, now) => (now < 500 ? generating(id) : success(id)), { policy: { intervalMs: 3_500 } });
    const r = track(w.waitForCompletion('t1', { timeoutMs: 3_000 }));
    await clock.advance(3_500, 50);
    expect(r.error).toBeUndefined();
    expect(r.value).toMatchObject({ taskId: 't1', status: 'SUCCESS' });
    const last = api.requests.at(-1)?.at ?? 0;
    expect(last).toBeGreaterThanOrEqual(3_000);
    expect(last).toBeLessThan(3_100);
  });

  it('a task still running at the deadline times out right after that last answer, not before it', async () => {
    const { w, clock, api } = setup((id) => generating(id));
    const r = track(w.waitForCompletion('t1', { timeoutMs: 3_000 }));
    await clock.advance(2_990, 10);
    const before = api.requests.length;
    expect(r.error).toBeUndefined();
    await clock.advance(100, 10);
    expect(api.requests.length).toBe(before + 1);
    expect(r.error).toBeInstanceOf(WatchTimeoutError);
    expect(r.error).toMatchObject({ code: 'KIE_WATCH_TIMEOUT', timeoutMs: 3_000 });
    await clock.advance(5_000, 100);
    expect(api.requests.length).toBe(before + 1);
  });

  it('the last poll keeps the per-task spacing: a poll just before the deadline defers it', async () => {
    const { w, clock, api } = setup((id) => generating(id), { policy: { intervalMs: 2_950 } });
    const r = track(w.waitForCompletion('t1', { timeoutMs: 3_000 }));
    await clock.advance(4_000, 10);
    const at = api.requests.map((q) => q.at);
    expect(at).toHaveLength(3);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(w.minIntervalMs);
    expect(r.error).toBeInstanceOf(WatchTimeoutError);
  });

  it('a watch() that times out emits timeout once, after the last poll', async () => {
    const { w, clock, api } = setup((id) => generating(id));
    const timeouts: number[] = [];
    w.on('timeout', () => void timeouts.push(api.requests.length));
    w.watch('t1', { timeoutMs: 3_000 });
    await clock.advance(6_000, 50);
    expect(timeouts).toHaveLength(1);
    expect(api.requests.at(-1)?.at).toBeGreaterThanOrEqual(3_000);
    expect(timeouts[0]).toBe(api.requests.length);
  });

  it('a last poll the rate limiter refuses past its window times out at once, not after the grace (interval + 5 s)', async () => {
    let calls = 0;
    // Admits the first poll, then refuses for a minute: the last poll at the deadline can never go in time.
    const rateLimiter = {
      take: (_id: string, now: number) => (calls++ === 0 ? { allowed: true as const } : { allowed: false as const, retryAt: now + 60_000 }),
      allowedAt: (_id: string, now: number) => now,
      forget: () => undefined,
    };
    const { w, clock, api } = setup((id) => generating(id), { policy: { intervalMs: 10_000 }, rateLimiter });
    const r = track(w.waitForCompletion('t1', { timeoutMs: 3_000 }));
    await clock.advance(2_990, 10);
    expect(r.error).toBeUndefined();
    await clock.advance(60, 10);
    expect(r.error).toBeInstanceOf(WatchTimeoutError);
    expect(api.requests).toHaveLength(1);
  });

  it('a limiter that answers garbage (a refusal) for the last poll times out within the per-task spacing of the deadline', async () => {
    let calls = 0;
    const rateLimiter = { take: () => (calls++ === 0 ? { allowed: true as const } : (undefined as never)), allowedAt: (_id: string, now: number) => now, forget: () => undefined };
    const { w, clock } = setup((id) => generating(id), { policy: { intervalMs: 10_000 }, rateLimiter });
    w.on('error', () => undefined);
    const r = track(w.waitForCompletion('t1', { timeoutMs: 3_000 }));
    await clock.advance(2_990, 10);
    expect(r.error).toBeUndefined();
    await clock.advance(w.minIntervalMs + 60, 10);
    expect(r.error).toBeInstanceOf(WatchTimeoutError);
  });
});
