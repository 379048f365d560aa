import { afterEach, describe, expect, it } from 'vitest';
import { CallbackError, TaskWatcher, type PollingPolicy, type TaskRateLimiter, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success, type MockApi, type Reply } from '../helpers/mock-api.js';

// User code that answers with the wrong shape (not a throw): a rate limiter's take() returning undefined or a
// Promise, a policy returning a Promise. Each is a refusal (limiter) or the default schedule (policy), reported
// once as a CallbackError on the `error` event; never a crash, never silent.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number) => Reply, extra: Partial<TaskWatcherOptions>): { w: TaskWatcher; clock: TestClock; api: MockApi; errors: unknown[] } {
  const clock = testClock();
  const api = mockApi(answer, clock.now);
  const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, ...extra });
  const errors: unknown[] = [];
  w.on('error', (e: unknown) => errors.push(e));
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api, errors };
}

function limiterAnswering(value: () => unknown): TaskRateLimiter {
  return { take: () => value() as ReturnType<TaskRateLimiter['take']>, allowedAt: (_t, now) => now, forget: () => undefined };
}

describe('a rate limiter whose take() answers the wrong shape', () => {
  for (const [name, value] of [
    ['undefined', () => undefined],
    ['a Promise of an allowance', () => Promise.resolve({ allowed: true })],
    ['null', () => null],
    ['an object without allowed', () => ({ ok: true })],
  ] as const) {
    it(`${name}: refused (nothing is sent), reported once as a CallbackError, the watcher keeps running`, async () => {
      const { w, clock, api, errors } = setup((id) => success(id), { rateLimiter: limiterAnswering(value), timeoutMs: 5_000 });
      const wait = w.waitForCompletion('t1').catch((e: unknown) => e);
      // The 5 s deadline, then the grace of the one last poll at the deadline (the per-task interval plus at most
      // 5 s for its answer), which a refusing limiter never lets out.
      await clock.advance(5_000 + 375 + 5_000 + 100);
      await expect(wait).resolves.toMatchObject({ code: 'KIE_WATCH_TIMEOUT' });
      expect(api.requests.length).toBe(0);
      const reported = errors.filter((e) => e instanceof CallbackError && e.callback === 'rateLimiter');
      expect(reported).toHaveLength(1);
      expect((reported[0] as CallbackError).message).toMatch(/synchronously|allowed/);
    });
  }
});

describe('a policy that answers the wrong shape', () => {
  it('an async policy polls on the default schedule, not the fastest, and is reported once', async () => {
    const { w, clock, api, errors } = setup((id) => generating(id), { policy: (async () => 1000) as unknown as PollingPolicy });
    void w.waitForCompletion('t1').catch(() => undefined);
    await clock.advance(4_000);
    // The fastest rate would be 11 requests in 4 s; the default (adaptive) schedule sends far fewer.
    expect(api.requests.length).toBeLessThanOrEqual(3);
    expect(api.requests.length).toBeGreaterThanOrEqual(1);
    const reported = errors.filter((e) => e instanceof CallbackError && e.callback === 'policy');
    expect(reported).toHaveLength(1);
  });
});
