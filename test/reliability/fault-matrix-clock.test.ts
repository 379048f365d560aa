import { mulberry32 } from '../../src/simulator/prng.js';
/**
 * The fault classes whose real durations matter (a 20 s maintenance window, a task that appears 10 s
 * late, the 30 s unknown-task grace, minutes of refused connections), at their real sizes and with the
 * watcher's default retry settings: undici MockAgent answers, and the injected fake clock moves time.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KieApiError, TaskWatcher, TransportError, type RetryEvent, type TaskWatcherOptions, type WatchResult } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, PATH, generating, mockApi, ok, success, type MockApi, type Reply } from '../helpers/mock-api.js';
import { groupBy, maxInWindow } from '../helpers/windows.js';
import { processSpies, recordEvents } from './helpers.js';

const cleanup: (() => Promise<void>)[] = [];
let spies: ReturnType<typeof processSpies>;
beforeEach(() => {
  spies = processSpies();
});
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
  spies.dispose();
  expect(spies.seen).toEqual([]);
});


function setup(answer: (taskId: string, n: number, now: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi } {
  const clock = testClock();
  const api = mockApi((id, n) => answer(id, n, clock.now()), clock.now);
  const w = new TaskWatcher({ apiKey: 'clock-key', baseUrl: BASE, dispatcher: api.agent, clock, random: mulberry32(5), ...extra });
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api };
}

type Settled = { status: 'ok'; value: WatchResult; at: number } | { status: 'err'; error: unknown; at: number };
function track(p: Promise<WatchResult>, clock: TestClock): { result: Settled | undefined } {
  const box: { result: Settled | undefined } = { result: undefined };
  p.then(
    (value) => (box.result = { status: 'ok', value, at: clock.now() }),
    (error: unknown) => (box.result = { status: 'err', error, at: clock.now() }),
  );
  return box;
}

const body = (code: number, msg: string): Reply => ({ body: { code, msg, data: null } });

describe('fault matrix at real time scales (fake clock)', () => {
  it('a 20 s maintenance window (body 455) with default retry settings: every task rides it out, with a handful of retries each and no rate violation', async () => {
    const { w, clock, api } = setup((id, _n, now) => (now < 20_000 ? body(455, 'Service Unavailable: system maintenance') : now < 30_000 ? generating(id, '0.50') : success(id)));
    const events = recordEvents(w);
    const ids = Array.from({ length: 40 }, (_, i) => `maint-${i}`);
    const boxes = ids.map((id) => track(w.waitForCompletion(id), clock));
    await clock.advance(90_000, 50);
    for (const b of boxes) expect(b.result?.status).toBe('ok');
    const retries = groupBy(
      events.filter((e) => e.name === 'retry').map((e) => e.payload as RetryEvent),
      (e) => e.taskId,
    );
    expect(retries.size).toBe(40);
    for (const [, list] of retries) {
      // 0.5-1, 1-2, 2-4, 4-8, 8-16 s: five or six retries cover 20 s, far from maxConsecutiveErrors (30).
      expect(list.length).toBeGreaterThanOrEqual(4);
      expect(list.length).toBeLessThanOrEqual(7);
      expect(list.every((e) => e.reason === 'body code 455: Service Unavailable: system maintenance')).toBe(true);
    }
    for (const [, reqs] of groupBy(api.requests, (r) => r.taskId)) expect(maxInWindow(reqs.map((r) => r.at), 1000)).toBeLessThanOrEqual(3);
    // Jitter spreads the retries: they do not all land in the same instant.
    const firstRetryAt = new Set(api.requests.filter((r) => r.at > 0 && r.at < 20_000).map((r) => r.at));
    expect(firstRetryAt.size).toBeGreaterThan(40);
  });

  it('"record is null" (422) and data: null: a task that appears 10 s later succeeds; one that never appears fails with KieApiError after the 30 s grace', async () => {
    const { w, clock, api } = setup((id, _n, now) => {
      const [kind, when] = id.split('-') as [string, string];
      const visible = when === 'late' && now >= 10_000;
      if (visible) return now < 14_000 ? generating(id, '0.30') : success(id);
      return kind === 'r422' ? body(422, 'record is null') : ok(null);
    });
    const ids = ['r422-late', 'null-late', 'r422-never', 'null-never'].flatMap((k) => Array.from({ length: 10 }, (_, i) => `${k}-${i}`));
    const boxes = new Map(ids.map((id) => [id, track(w.waitForCompletion(id), clock)]));
    await clock.advance(60_000, 50);
    for (const [id, box] of boxes) {
      const r = box.result;
      if (id.includes('late')) {
        expect(r).toMatchObject({ status: 'ok' });
        expect(r?.at).toBeGreaterThanOrEqual(14_000);
        // Unknown-task polls back off (0.5-1 s, 1-2 s, 4-8 s, ...) but never past the grace period, so a
        // task that shows up late is found before the 30 s grace would have given up on it.
        expect(r?.at).toBeLessThan(30_000);
      } else {
        expect(r?.status).toBe('err');
        const error = (r as { error: unknown }).error;
        expect(error).toBeInstanceOf(KieApiError);
        expect(error).toMatchObject(id.startsWith('r422') ? { providerCode: 422, providerMessage: 'record is null' } : { providerCode: 200, providerMessage: 'data is null' });
        expect((error as Error).message).toContain(id);
        // Reported at the end of the grace period, not before, not long after.
        expect(r?.at).toBeGreaterThanOrEqual(30_000);
        expect(r?.at).toBeLessThanOrEqual(30_500);
      }
    }
    for (const [id, reqs] of groupBy(api.requests, (r) => r.taskId)) {
      expect(maxInWindow(reqs.map((r) => r.at), 1000)).toBeLessThanOrEqual(3);
      // Backoff while unknown: a handful of polls in 30 s, not 30 s x 2.7/s.
      if (id.includes('never')) expect(reqs.length).toBeLessThanOrEqual(10);
    }
  });

  it('a refused connection with default settings ends in TransportError after 30 attempts (about 9.4 min of backoff), before the 15 min deadline', async () => {
    const clock = testClock();
    const agent = new MockAgent();
    agent.disableNetConnect();
    const times: number[] = [];
    agent
      .get(BASE)
      .intercept({ path: (p) => p.startsWith(PATH), method: 'GET' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }))
      .persist();
    const w = new TaskWatcher({ apiKey: 'clock-key', baseUrl: BASE, dispatcher: agent, clock, random: () => 0.5 });
    cleanup.push(async () => {
      await w.close();
      await agent.close();
    });
    w.on('retry', () => times.push(clock.now()));
    const box = track(w.waitForCompletion('unreachable'), clock);
    const step = 200;
    await clock.advance(16 * 60_000, step);
    expect(box.result?.status).toBe('err');
    const error = (box.result as { error: unknown }).error;
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ attempts: 30, taskId: 'unreachable' });
    // 750 + 1500 + 3000 + 6000 + 12000 + 24 x 22500 ms (backoff capped at 30 s, equal jitter at 0.5).
    expect(box.result?.at).toBeGreaterThanOrEqual(563_250);
    // The fake clock moves in steps; each of the 29 retries can start up to one step late.
    expect(box.result?.at).toBeLessThanOrEqual(563_250 + 30 * step);
    expect(times).toHaveLength(29);
    expect(w.stats()).toMatchObject({ requests: 30, pending: 0 });
  });
});
