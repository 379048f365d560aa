import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, WatchTimeoutError } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { maxInWindow } from '../helpers/windows.js';
import { generatingBody, sendJson, sleep, successBody, testServer, type TestServer } from '../reliability/helpers.js';

// The rate promise is judged where the provider judges it: at the server, by arrival time, through the watcher's
// own connection pool (no injected dispatcher), with slow answers, deadlines that cut waits short, re-waits and
// aborts. A limiter that counts at dispatch would pass a mock and fail here.

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe('the per-task limit holds at the server through the real connection pool', () => {
  it('with default options, slow answers that hold every connection, and waits that time out and wait again', async () => {
    const sim: KieSimulator = await startSimulator({ apiKey: 'k', faults: { slow: 1, slowMs: 2_000 } });
    open.push(sim);
    const slowIds = sim.addTasks(Array.from({ length: 40 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const hotIds = sim.addTasks(Array.from({ length: 6 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url, policy: 'fastest' });
    open.push(watcher);
    watcher.on('timeout', () => undefined);
    for (const id of slowIds) watcher.watch(id, { timeoutMs: 1_900 });
    setTimeout(() => sim.setFaults({}), 1_500);
    const until = Date.now() + 4_000;
    await Promise.all(
      hotIds.map(async (id) => {
        while (Date.now() < until) {
          try {
            await watcher.waitForCompletion(id, { timeoutMs: 400 });
          } catch (err) {
            expect(err).toBeInstanceOf(WatchTimeoutError);
          }
        }
      }),
    );
    const stats = sim.stats();
    expect(stats.requests).toBeGreaterThan(40);
    expect({ violations: stats.violations, maxRequestsInWindow: stats.maxRequestsInWindow }).toEqual({ violations: 0, maxRequestsInWindow: expect.any(Number) });
    expect(stats.maxRequestsInWindow).toBeLessThanOrEqual(3);
  }, 20_000);

  it('with aborts: a wait aborted while its request is in flight, then waited on again, adds no second request', async () => {
    const sim = await startSimulator({ apiKey: 'k', faults: { slow: 1, slowMs: 1_500 } });
    open.push(sim);
    const ids = sim.addTasks(Array.from({ length: 8 }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url, policy: 'fastest' });
    open.push(watcher);
    const until = Date.now() + 3_000;
    await Promise.all(
      ids.map(async (id) => {
        while (Date.now() < until) {
          const ac = new AbortController();
          setTimeout(() => ac.abort(new Error('user gave up')), 150);
          await watcher.waitForCompletion(id, { signal: ac.signal }).catch(() => undefined);
        }
      }),
    );
    const stats = sim.stats();
    expect(stats.violations).toBe(0);
    // Each task's single outstanding request is adopted by every later wait: with 1.5 s answers and 3 s of
    // waiting, no task can have needed more than three requests.
    for (const id of ids) expect(sim.taskStats(id)?.requests ?? 0).toBeLessThanOrEqual(3);
  }, 20_000);
});

describe('at most one request per task is outstanding, ever', () => {
  it('a task dropped while its request is in flight and watched again adopts that request', async () => {
    const held: (() => void)[] = [];
    let outstanding = 0;
    let maxOutstanding = 0;
    const server: TestServer = await testServer(({ taskId, res }) => {
      outstanding += 1;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      held.push(() => {
        outstanding -= 1;
        sendJson(res, successBody(taskId));
      });
    });
    open.push(server);
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: server.url });
    open.push(watcher);
    // Three waits in a row, each giving up before the answer: the first request is the only one.
    for (let i = 0; i < 3; i++) {
      await expect(watcher.waitForCompletion('T1', { timeoutMs: 50 })).rejects.toBeInstanceOf(WatchTimeoutError);
    }
    const last = watcher.waitForCompletion('T1', { timeoutMs: 5_000 });
    await sleep(100);
    expect(server.countFor('T1')).toBe(1);
    for (const release of held.splice(0)) release();
    await expect(last).resolves.toMatchObject({ taskId: 'T1', status: 'SUCCESS' });
    expect(maxOutstanding).toBe(1);
    expect(server.countFor('T1')).toBe(1);
  });

  it('nothing waits in the pool queue after it was counted: an account budget holds at the server behind a slow answer', async () => {
    let release: (() => void) | undefined;
    const server = await testServer(({ taskId, n, res }) => {
      if (taskId === 'SLOW' && n === 0) release = () => sendJson(res, successBody(taskId));
      else sendJson(res, generatingBody(taskId));
    });
    open.push(server);
    // One connection, a budget of 4 requests per second (burst 4): at most 8 requests in any 1000 ms at the
    // server. A watcher that counts requests while they sit in the pool's queue behind the slow answer lets
    // them all arrive together once the connection frees up.
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: server.url, connections: 1, maxInFlight: 16, accountRequestsPerSecond: 4, policy: 'fastest' });
    open.push(watcher);
    watcher.on('timeout', () => undefined);
    const slow = watcher.waitForCompletion('SLOW');
    await sleep(50);
    for (let i = 0; i < 20; i++) watcher.watch(`T${i}`, { timeoutMs: 5_000 });
    await sleep(2_000);
    release?.();
    await slow;
    await sleep(1_500);
    const arrivals = server.hits.map((h) => h.at);
    expect(arrivals.length).toBeGreaterThan(8);
    expect(maxInWindow(arrivals, 1000)).toBeLessThanOrEqual(8);
    expect(server.maxPerTaskInWindow(1000)).toBeLessThanOrEqual(3);
  });
});
