import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, ok, record, type Reply } from '../helpers/mock-api.js';

// Every time a user reads is whole ms. The clock here runs on fractional ms, as performance.now() does, so any
// time that is derived from it without rounding shows up. The sweep reads every field named like a time
// (`…Ms`, `…At`, `…Time`) of every event, result, error, stats and close()'s result; provider records excluded.
const TIME_KEY = /(Ms|At|Time)$/;

function fractionalClock(): TestClock {
  const c = testClock();
  return { ...c, now: () => c.now() + 0.2083, epochNow: () => c.epochNow() + 0.2083 };
}

function nonIntegerTimes(value: unknown, path: string, out: string[], seen = new Set<unknown>()): string[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return out;
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    if (k === 'record' || k === 'cause') continue;
    if (typeof v === 'number' && TIME_KEY.test(k) && !Number.isInteger(v)) out.push(`${path}.${k} = ${v}`);
    else nonIntegerTimes(v, `${path}.${k}`, out, seen);
  }
  return out;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('every public time is whole ms on a clock with fractions', () => {
  it('events, results, errors, stats and close()', async () => {
    // done: a success without createTime or completeTime (expiresAt falls back to the time it was seen);
    // slow: 500, then 429 with a Retry-After date, then pending; late: times out; kept: pending at close().
    const answer = (id: string, n: number): Reply => {
      if (id === 'done') return n === 0 ? { status: 500, body: 'oops' } : ok({ ...record(id, { status: 'SUCCESS', successFlag: 1, progress: '1.00', response: { resultUrls: ['https://cdn.test/a.png'] } }), createTime: null });
      if (id === 'slow' && n === 0) return { status: 429, body: 'slow down', headers: { 'retry-after': new Date(Date.UTC(2026, 10, 21, 12, 0, 3)).toUTCString() } };
      return generating(id);
    };
    const clock = fractionalClock();
    const api = mockApi(answer, clock.now);
    const opts: TaskWatcherOptions = { apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.377, policy: { intervalMs: 1000 } };
    const w = new TaskWatcher(opts);
    cleanup.push(async () => {
      await w.close();
      await api.close();
    });
    const seen: unknown[] = [];
    for (const name of ['progress', 'completed', 'failed', 'timeout', 'retry', 'rateLimited'] as const) w.on(name, (e: unknown) => seen.push({ [name]: e }));
    const settle = (p: Promise<unknown>): void => void p.then((v) => seen.push({ value: v }), (e: unknown) => seen.push({ error: e }));
    settle(w.waitForCompletion('done'));
    settle(w.waitForCompletion('slow'));
    settle(w.waitForCompletion('late', { timeoutMs: 2_500 }));
    w.watch('kept');
    await clock.advance(6_000, 50);
    seen.push({ stats: w.stats() });
    seen.push({ close: await w.close() });
    expect(seen.some((s) => 'completed' in (s as object))).toBe(true);
    expect(seen.some((s) => 'retry' in (s as object))).toBe(true);
    expect(seen.some((s) => 'rateLimited' in (s as object))).toBe(true);
    expect(seen.some((s) => 'timeout' in (s as object))).toBe(true);
    expect(nonIntegerTimes(seen, 'seen', [])).toEqual([]);
  });
});
