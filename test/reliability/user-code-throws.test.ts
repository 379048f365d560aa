import { afterEach, describe, expect, it } from 'vitest';
import { KieWatcherError, TaskFailedError, TaskWatcher, WatchTimeoutError, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, ok, record, success, type MockApi, type Reply } from '../helpers/mock-api.js';

// User code runs inside the watcher's callbacks: event listeners, onProgress, a policy, a rate limiter. None of
// it may break the watcher: the watcher finishes its own state changes first, every waiter settles, the
// scheduler keeps going, and the error is not lost: it is emitted as an `error` event on a later tick (with no
// `error` listener Node throws it, as for any EventEmitter).

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi; errors: unknown[] } {
  const clock = testClock();
  const api = mockApi(answer, clock.now);
  const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, policy: { intervalMs: 1000 }, ...extra });
  const errors: unknown[] = [];
  w.on('error', (e: unknown) => errors.push(e));
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api, errors };
}

const boom = (): never => {
  throw new Error('listener bug');
};

function reportedBugs(errors: unknown[]): number {
  return errors.filter((e) => e instanceof KieWatcherError && (e as { cause?: unknown }).cause instanceof Error && ((e as { cause: Error }).cause.message === 'listener bug')).length;
}

const failedBody = (id: string): Reply => ok(record(id, { status: 'GENERATE_FAILED', successFlag: 2, errorCode: 500, errorMessage: 'Failed' }));

describe('an event listener that throws', () => {
  it('completed: every waiter of the task settles, other tasks go on, the error is reported', async () => {
    const { w, clock, errors } = setup((id, n) => (n < (id === 't1' ? 1 : 3) ? generating(id) : success(id)));
    w.on('completed', boom);
    const a = w.waitForCompletion('t1');
    const b = w.waitForCompletion('t1');
    const c = w.waitForCompletion('t2');
    await clock.advance(5_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    await expect(b).resolves.toMatchObject({ taskId: 't1' });
    await expect(c).resolves.toMatchObject({ taskId: 't2' });
    expect(reportedBugs(errors)).toBe(2);
    expect(w.stats().pending).toBe(0);
  });

  it('failed: every waiter rejects with the task failure, other tasks go on', async () => {
    const { w, clock, errors } = setup((id, n) => (id === 't1' ? failedBody(id) : n < 3 ? generating(id) : success(id)));
    w.on('failed', boom);
    const a = w.waitForCompletion('t1').catch((e: unknown) => e);
    const b = w.waitForCompletion('t1').catch((e: unknown) => e);
    const c = w.waitForCompletion('t2');
    await clock.advance(5_000);
    expect(await a).toBeInstanceOf(TaskFailedError);
    expect(await b).toBeInstanceOf(TaskFailedError);
    await expect(c).resolves.toMatchObject({ taskId: 't2' });
    expect(reportedBugs(errors)).toBe(1);
  });

  it('idle: the last waiter still settles and onIdle() resolves', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 1 ? generating(id) : success(id)));
    w.on('idle', boom);
    const a = w.waitForCompletion('t1');
    const idle = w.onIdle();
    await clock.advance(3_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    await expect(idle).resolves.toBeUndefined();
    expect(reportedBugs(errors)).toBe(1);
  });

  it('progress: the task is still polled to the end', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 3 ? generating(id, `0.${n + 1}0`) : success(id)));
    w.on('progress', boom);
    const a = w.waitForCompletion('t1', { timeoutMs: 60_000 });
    await clock.advance(6_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(reportedBugs(errors)).toBeGreaterThanOrEqual(3);
  });

  it('retry: the task is retried to the end', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 2 ? { status: 503, body: 'unavailable' } : success(id)));
    w.on('retry', boom);
    const a = w.waitForCompletion('t1', { timeoutMs: 60_000 });
    await clock.advance(10_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(reportedBugs(errors)).toBe(2);
  });

  it('rateLimited: the task backs off and ends normally', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 1 ? { body: { code: 429, msg: 'rate limited' } } : success(id)));
    w.on('rateLimited', boom);
    const a = w.waitForCompletion('t1', { timeoutMs: 60_000 });
    await clock.advance(10_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(reportedBugs(errors)).toBeGreaterThanOrEqual(1);
  });

  it('timeout: the waiter rejects, later tasks are still polled, nothing is thrown out of the timer', async () => {
    const { w, clock, errors } = setup((id, n) => (id === 'slow' || n < 4 ? generating(id) : success(id)));
    w.on('timeout', boom);
    const a = w.waitForCompletion('slow', { timeoutMs: 1_500 }).catch((e: unknown) => e);
    await clock.advance(2_000);
    expect(await a).toBeInstanceOf(WatchTimeoutError);
    const b = w.waitForCompletion('next');
    await clock.advance(6_000);
    await expect(b).resolves.toMatchObject({ taskId: 'next' });
    expect(reportedBugs(errors)).toBe(1);
  });
});

describe('other user code that throws', () => {
  it('onProgress: the wait still resolves', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 2 ? generating(id, `0.${n + 1}0`) : success(id)));
    const a = w.waitForCompletion('t1', { onProgress: boom });
    await clock.advance(5_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(reportedBugs(errors)).toBeGreaterThanOrEqual(2);
  });

  it('a custom policy: the task falls back to the rate-limit interval and ends', async () => {
    const { w, clock, errors } = setup((id, n) => (n < 2 ? generating(id) : success(id)), { policy: boom });
    const a = w.waitForCompletion('t1');
    await clock.advance(3_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(reportedBugs(errors)).toBe(2);
  });

  it('a custom rate limiter: the poll is deferred, never sent unchecked, and the task ends once the limiter recovers', async () => {
    let calls = 0;
    const limiter = {
      take(): { allowed: true } {
        calls += 1;
        if (calls <= 2) boom();
        return { allowed: true };
      },
      allowedAt: (_id: string, now: number) => now,
      forget: () => undefined,
    };
    const { w, clock, api, errors } = setup((id) => success(id), { rateLimiter: limiter });
    const a = w.waitForCompletion('t1');
    await clock.advance(3_000);
    await expect(a).resolves.toMatchObject({ taskId: 't1' });
    expect(api.requests.length).toBe(1);
    expect(reportedBugs(errors)).toBe(2);
  });

  it('a custom rate limiter that refuses with a retry time in the past does not spin the event loop', async () => {
    let calls = 0;
    const limiter = {
      take(_id: string, now: number): { allowed: false; retryAt: number } {
        calls += 1;
        // Without a floor on the deferral this loops forever inside one tick; the guard keeps a broken build
        // from hanging the suite.
        if (calls > 100_000) throw new Error('spinning');
        return { allowed: false, retryAt: now - 5 };
      },
      allowedAt: (_id: string, now: number) => now,
      forget: () => undefined,
    };
    const { w, clock } = setup((id) => success(id), { rateLimiter: limiter });
    w.watch('t1', { timeoutMs: 1_000 });
    w.on('timeout', () => undefined);
    await clock.advance(1_000, 50);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(100);
  });
});

describe('re-entrant user code', () => {
  it('watch() from a completed listener on a settled task does not loop', async () => {
    const { w, clock } = setup((id) => success(id));
    const first = w.waitForCompletion('t1');
    await clock.advance(100);
    await first;
    let heard = 0;
    w.on('completed', () => {
      heard += 1;
      // A broken build would never stop; the guard keeps it from hanging the suite.
      if (heard < 10_000) w.watch('t1');
    });
    w.watch('t1');
    let timerFired = false;
    setTimeout(() => (timerFired = true), 20);
    await new Promise((r) => setTimeout(r, 60));
    expect(timerFired).toBe(true);
    expect(heard).toBeLessThanOrEqual(2);
  });

  it('close() from inside onProgress: nothing is emitted or cached afterwards, and the waiter settles', async () => {
    const { w, clock } = setup((id) => success(id));
    const events: string[] = [];
    for (const name of ['progress', 'completed', 'failed', 'idle'] as const) w.on(name, () => events.push(name));
    let closedAt = -1;
    const a = w.waitForCompletion('t1', {
      onProgress: () => {
        closedAt = events.length;
        void w.close();
      },
    });
    const settled = a.then(
      () => 'resolved',
      (e: unknown) => (e instanceof KieWatcherError ? e.code : 'other'),
    );
    await clock.advance(1_000);
    expect(await settled).toMatch(/resolved|KIE_WATCHER_CLOSED/);
    expect(closedAt).toBeGreaterThanOrEqual(0);
    expect(events.slice(closedAt)).toEqual([]);
    expect(w.stats().cached).toBe(0);
  });
});
