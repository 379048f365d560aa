/**
 * Lifecycle against the real simulator: close() while requests are in flight, while waiters hold abort
 * signals, and twice in a row, leaves no handle of the watcher's behind; abort semantics; 10,000 waiters
 * on one task share one poll stream. Sequential on purpose: the handle checks compare against a baseline.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, TaskWatcher, WatcherClosedError, type TaskWatcherOptions } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { errorOf, extraResources, processSpies, resourceCounts, settledResources, sleep, until } from './helpers.js';

const KEY = 'reliability-lifecycle-key-77aa';
const open: { close(): Promise<unknown> }[] = [];
let spies: ReturnType<typeof processSpies>;
beforeEach(() => {
  spies = processSpies();
});
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await sleep(20);
  spies.dispose();
  expect(spies.seen).toEqual([]);
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, ...options });
  open.push(s);
  return s;
}
function watcher(url: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: url, policy: 'fastest', ...extra });
  open.push(w);
  return w;
}

describe('close()', () => {
  it('while requests are in flight and waiters hold abort signals, called twice: rejects every wait with WatcherClosedError, aborts the requests at once, and leaves no handle behind', async () => {
    const s = await sim({ faults: { slow: 1, slowMs: 5_000 } });
    const ids = s.addTasks(Array.from({ length: 20 }, (_, i) => ({ taskId: `inflight-${i}`, durationMs: 60_000, outcome: 'SUCCESS' as const })));
    const baseline = resourceCounts();
    const w = watcher(s.url);
    const signals = ids.map(() => new AbortController());
    const waits = ids.map((id, i) => errorOf(w.waitForCompletion(id, i % 2 ? { signal: (signals[i] as AbortController).signal } : {})));
    const streamErr = errorOf(
      (async () => {
        for await (const u of w.updates('inflight-0', { signal: (signals[0] as AbortController).signal })) void u;
      })(),
    );
    // One connection per request in flight: all 20 reach the simulator, none waits in the pool's queue.
    expect(await until(() => s.stats().requests >= 20)).toBe(true);
    expect(w.stats().inFlight).toBe(20);
    const held = signals.filter((_, i) => i === 0 || i % 2 === 1);
    for (const c of held) expect(getEventListeners(c.signal, 'abort').length).toBeGreaterThan(0);

    // The check below can see the watcher's handles: here they are.
    expect(extraResources(baseline).join()).toMatch(/TCPSocketWrap/);
    const t0 = performance.now();
    const first = w.close();
    const second = w.close();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    // The 5 s answers were not waited for.
    expect(performance.now() - t0).toBeLessThan(1_000);
    await w.close();

    const errs = await Promise.all(waits);
    for (const [i, e] of errs.entries()) {
      expect(e).toBeInstanceOf(WatcherClosedError);
      expect(e).toMatchObject({ code: 'KIE_WATCHER_CLOSED', taskId: ids[i] });
    }
    expect(await streamErr).toBeInstanceOf(WatcherClosedError);
    // The watcher let go of the callers' signals, and aborting them now is harmless.
    for (const c of signals) expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    for (const c of signals) c.abort(new Error('too late'));
    expect(w.stats()).toMatchObject({ pending: 0, inFlight: 0 });

    // Nothing of the watcher's is left: no socket (either end), no timer.
    expect(await settledResources(baseline)).toEqual([]);

    // And it stays closed.
    await expect(w.waitForCompletion('inflight-1')).rejects.toBeInstanceOf(WatcherClosedError);
    expect(() => w.watch('inflight-1')).toThrow(WatcherClosedError);
    expect(() => w.updates('inflight-1')).toThrow(WatcherClosedError);
    expect(s.stats().requests).toBe(20);
  });

  it('between polls (timers armed, sockets idle in the pool): no timer or socket survives', async () => {
    const s = await sim();
    const ids = s.addTasks(Array.from({ length: 10 }, (_, i) => ({ taskId: `idle-${i}`, durationMs: 60_000, outcome: 'NEVER' as const })));
    const baseline = resourceCounts();
    const w = watcher(s.url, { policy: { intervalMs: 10_000 } });
    const waits = ids.map((id) => errorOf(w.waitForCompletion(id, { signal: new AbortController().signal, timeoutMs: 60_000 })));
    expect(await until(() => w.stats().polls === 10)).toBe(true);
    expect(w.stats().inFlight).toBe(0);
    // The pool's idle sockets are there (the armed poll timer too, though a baseline timer may mask it).
    expect(extraResources(baseline).join()).toMatch(/TCPSocketWrap/);
    await w.close();
    for (const e of await Promise.all(waits)) expect(e).toBeInstanceOf(WatcherClosedError);
    expect(await settledResources(baseline)).toEqual([]);
  });

  it('a watcher that never sent anything closes at once, any number of times', async () => {
    const baseline = resourceCounts();
    const w = watcher('http://127.0.0.1:9');
    await Promise.all([w.close(), w.close(), w.close()]);
    expect(await settledResources(baseline)).toEqual([]);
  });
});

describe('abort', () => {
  it('a waiter that aborts does not stop the others; the last waiter aborting stops polling, unless the task was watch()ed', async () => {
    const s = await sim();
    s.addTasks([
      { taskId: 'shared', durationMs: 1_500, outcome: 'SUCCESS' },
      { taskId: 'alone', durationMs: 60_000, outcome: 'SUCCESS' },
      { taskId: 'watched', durationMs: 1_500, outcome: 'SUCCESS' },
      { taskId: 'streamed', durationMs: 60_000, outcome: 'SUCCESS' },
    ]);
    const w = watcher(s.url);
    const completed: string[] = [];
    w.on('completed', (e) => completed.push(e.taskId));

    const quitter = new AbortController();
    const sharedQuitter = errorOf(w.waitForCompletion('shared', { signal: quitter.signal }));
    const sharedStayers = [w.waitForCompletion('shared'), w.waitForCompletion('shared', { signal: new AbortController().signal })];

    const a1 = new AbortController();
    const a2 = new AbortController();
    const alone = [errorOf(w.waitForCompletion('alone', { signal: a1.signal })), errorOf(w.waitForCompletion('alone', { signal: a2.signal }))];

    w.watch('watched');
    const wq = new AbortController();
    const watchedQuitter = errorOf(w.waitForCompletion('watched', { signal: wq.signal }));

    const stream = w.updates('streamed');
    await stream.next();

    await sleep(500);
    quitter.abort(new Error('one user left'));
    a1.abort();
    expect(w.isWatching('alone')).toBe(true); // one waiter is left
    a2.abort();
    wq.abort();
    await stream.return?.();

    const qe = await sharedQuitter;
    expect(qe).toBeInstanceOf(AbortError);
    expect((qe as AbortError).cause).toMatchObject({ message: 'one user left' });
    for (const e of await Promise.all(alone)) expect(e).toBeInstanceOf(AbortError);
    expect(await watchedQuitter).toBeInstanceOf(AbortError);

    expect(w.isWatching('alone')).toBe(false);
    expect(w.isWatching('streamed')).toBe(false);
    expect(w.isWatching('watched')).toBe(true);
    const aloneRequests = s.taskStats('alone')?.requests ?? -1;
    const streamedRequests = s.taskStats('streamed')?.requests ?? -1;

    for (const r of await Promise.all(sharedStayers)) expect(r).toMatchObject({ status: 'SUCCESS', taskId: 'shared' });
    expect(await until(() => completed.includes('watched'))).toBe(true);
    await sleep(400);
    // No request for the abandoned tasks once their last interest went (one in flight may still land).
    expect(s.taskStats('alone')?.requests).toBeLessThanOrEqual(aloneRequests + 1);
    expect(s.taskStats('streamed')?.requests).toBeLessThanOrEqual(streamedRequests + 1);
    expect(w.stats()).toMatchObject({ pending: 0, aborted: 2, completed: 2 });
    expect(s.stats().violations).toBe(0);
  });
});

describe('sharing', () => {
  it('10,000 waitForCompletion calls on one taskId share one poll stream: the simulator sees at most 3 requests per second for it', async () => {
    const s = await sim();
    const [id] = s.addTasks([{ taskId: 'popular', durationMs: 2_000, outcome: 'SUCCESS' }]);
    const w = watcher(s.url);
    const controllers = Array.from({ length: 1_000 }, () => new AbortController());
    const waits = Array.from({ length: 10_000 }, (_, i) => w.waitForCompletion(id as string, i < 1_000 ? { signal: (controllers[i] as AbortController).signal } : {}));
    const aborted = waits.slice(0, 1_000).map((p) => errorOf(p));
    await sleep(300);
    for (const c of controllers) c.abort();
    for (const e of await Promise.all(aborted)) expect(e).toBeInstanceOf(AbortError);
    const results = await Promise.all(waits.slice(1_000));
    expect(results).toHaveLength(9_000);
    expect(new Set(results.map((r) => r.resultUrls[0])).size).toBe(1);
    const t = s.taskStats(id as string);
    expect(t?.violations).toBe(0);
    expect(s.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    // ~2 s at one request per 374 ms, plus the final one: one stream, not 10,000.
    expect(t?.requests).toBeGreaterThanOrEqual(5);
    expect(t?.requests).toBeLessThanOrEqual(10);
    expect(w.stats()).toMatchObject({ pending: 0, completed: 1 });
  });
});
