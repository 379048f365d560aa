/**
 * Issue 11's bad-input list, end to end: a real watcher behind a real handler on a real `node:http` server,
 * polling the simulator, which counts every request per task in sliding 1,000 ms windows. Whatever the
 * callbacks do, the provider must never see more than the per-task limit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { captureLogger, failOnProcessErrors, reachableStrings } from '../reliability/helpers.js';
import { post, postPaced, signed, startReceiver, successBody, HMAC_KEY, type FloodItem, type Receiver } from './helpers.js';
import type { CallbackHandlerOptions } from '../../src/callbacks/index.js';

failOnProcessErrors();

const API_KEY = 'sim-api-canary-0c5e7b2a9d';
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** A simulator, a watcher that expects callbacks, and a receiver whose handler pokes that watcher (counted). */
async function setup(
  handler: CallbackHandlerOptions,
): Promise<{ sim: KieSimulator; watcher: TaskWatcher; r: Receiver; pokes: { found: number; total: number }; watcherLines: string[] }> {
  const sim = await startSimulator({ apiKey: API_KEY, port: 0, host: '127.0.0.1' });
  open.push(sim);
  const { logger, lines: watcherLines } = captureLogger();
  const watcher = new TaskWatcher({ apiKey: API_KEY, baseUrl: sim.url, expectCallbacks: true, logger });
  open.push(watcher);
  const pokes = { found: 0, total: 0 };
  const target = {
    poke(taskId: string, options?: { family?: string | undefined }): boolean {
      const found = watcher.poke(taskId, options);
      pokes.total += 1;
      if (found) pokes.found += 1;
      return found;
    },
    pokes: [],
  };
  const r = await startReceiver(handler, target);
  open.push(r);
  return { sim, watcher, r, pokes, watcherLines };
}

/** Posts `count` callbacks at `perSecond` through 16 connections. */
async function flood(url: string, count: number, perSecond: number, make: FloodItem): Promise<{ statuses: number[]; elapsedMs: number }> {
  const pool = new Pool(url, { connections: 16 });
  try {
    return await postPaced(`${url}/cb`, pool, count, perSecond, make);
  } finally {
    await pool.close();
  }
}

describe('1,000 callbacks per second for one watched task, counted at the provider', () => {
  it('distinct and each poking (coalescing off): no sliding second holds more than 3 requests for the task', async ({ annotate }) => {
    const { sim, watcher, r, pokes } = await setup({ pokeIntervalMs: 0 });
    const taskId = sim.addTask({ durationMs: 1_000, outcome: 'NEVER' });
    void watcher.waitForCompletion(taskId).catch(() => undefined);
    const result = await flood(r.url, 2_000, 1_000, (i) => ({ body: { ...successBody(taskId), msg: `n${i}` }, headers: {} }));
    await sleep(500);
    const requests = sim.taskStats(taskId)?.requests ?? 0;
    await annotate(`${result.statuses.length} callbacks in ${result.elapsedMs.toFixed(0)} ms, ${pokes.total} pokes; ${requests} requests, at most ${sim.stats().maxRequestsInWindow} in any 1,000 ms window`);
    expect(new Set(result.statuses)).toEqual(new Set([200]));
    expect(pokes.total).toBe(2_000);
    expect(sim.stats().violations).toBe(0);
    expect(sim.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    // The per-task spacing (374 ms) over the flood and the half second after it, plus the poll at once.
    expect(requests).toBeLessThanOrEqual(Math.ceil((result.elapsedMs + 500) / watcher.minIntervalMs) + 1);
    // And the pokes did speed polling up: the safety net alone would have polled once by now.
    expect(requests).toBeGreaterThan(3);
  });

  it('signed replays of one callback: one poke, so one request beyond the poll at once', async () => {
    const { sim, watcher, r, pokes } = await setup({ hmacKey: HMAC_KEY, pokeIntervalMs: 0 });
    const taskId = sim.addTask({ durationMs: 1_000, outcome: 'NEVER' });
    void watcher.waitForCompletion(taskId).catch(() => undefined);
    await sleep(100);
    const headers = signed(taskId);
    const result = await flood(r.url, 1_000, 1_000, () => ({ body: successBody(taskId), headers }));
    await sleep(500);
    expect(new Set(result.statuses)).toEqual(new Set([200]));
    expect(pokes.total).toBe(1);
    expect(sim.taskStats(taskId)?.requests).toBe(2);
    expect(sim.stats().violations).toBe(0);
  });
});

describe('callbacks for tasks nobody watches', () => {
  it('answer 200 and send no request; the dedupe memory stays within its cap however many taskIds are forged', async () => {
    const { sim, r, pokes } = await setup({ pokeIntervalMs: 0, dedupeMaxEntries: 100 });
    const ids = Array.from({ length: 300 }, (_, i) => `forged-${i}`);
    const result = await flood(r.url, ids.length, 1_000, (i) => ({ body: successBody(ids[i] ?? ''), headers: {} }));
    expect(new Set(result.statuses)).toEqual(new Set([200]));
    expect(pokes).toEqual({ total: 300, found: 0 });
    // The first one was pushed out of the 100-entry memory: a replay of it counts as new (one more poke, still
    // no request), which shows the memory did not keep all 300.
    await post(`${r.url}/cb`, successBody('forged-0'));
    expect(pokes.total).toBe(301);
    await sleep(200);
    expect(sim.stats().requests).toBe(0);
  });

  it('a signed callback for a task this watcher does not watch pokes nothing it would poll', async () => {
    const { sim, r, pokes } = await setup({ hmacKey: HMAC_KEY });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const answer = await post(`${r.url}/cb`, successBody(taskId), { headers: signed(taskId) });
    expect(answer.status).toBe(200);
    await sleep(200);
    expect(pokes).toEqual({ total: 1, found: 0 });
    expect(sim.taskStats(taskId)?.requests).toBe(0);
  });
});

describe('secrets, end to end', () => {
  it('neither the API key nor the HMAC key appears in any log line, response, event or error', async () => {
    const { sim, watcher, r, watcherLines } = await setup({ hmacKey: HMAC_KEY });
    const events: unknown[] = [];
    for (const name of ['progress', 'completed', 'failed', 'retry', 'error'] as const) watcher.on(name, (e: unknown) => void events.push(e));
    const ok = sim.addTask({ durationMs: 300, outcome: 'SUCCESS' });
    const bad = sim.addTask({ durationMs: 300, outcome: 'GENERATE_FAILED' });
    const waits = Promise.allSettled([watcher.waitForCompletion(ok), watcher.waitForCompletion(bad)]);
    await sleep(400);
    // A forged and a stale callback for each (refused), then the real one, which pokes the task to its end.
    const texts: string[] = [];
    for (const taskId of [ok, bad]) {
      for (const headers of [signed(taskId, Date.now(), 'not-the-key'), signed(taskId, Date.now() - 400_000), signed(taskId)]) {
        texts.push((await post(`${r.url}/cb`, successBody(taskId), { headers })).text);
      }
    }
    const settled = await waits;
    expect(settled.map((x) => x.status)).toEqual(['fulfilled', 'rejected']);
    const everything = [...r.lines, ...watcherLines, ...texts, ...reachableStrings(events), ...reachableStrings(settled)].join('\n');
    expect(r.lines.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    for (const secret of [API_KEY, HMAC_KEY]) expect(everything).not.toContain(secret);
  });
});
