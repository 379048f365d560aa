import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraMaxInWindow, gcraTake, paramsForWindow } from '../../src/limits/gcra.js';
import { MemoryTaskRateLimiter } from '../../src/limits/task-limiter.js';
import { maxInWindow } from '../helpers/windows.js';

/** Offers requests at the given times; returns the times GCRA accepted. */
function accepted(times: readonly number[], params: { intervalMs: number; burst: number }): number[] {
  let tat: number | undefined;
  const out: number[] = [];
  for (const t of times) {
    const d = gcraTake(tat, t, params);
    if (d.allowed) {
      tat = d.tat;
      out.push(t);
    } else {
      expect(d.retryAt).toBeGreaterThan(t);
    }
  }
  return out;
}

const attemptTimes = fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 300 }).map((a) => a.sort((x, y) => x - y));

describe('per-task GCRA', () => {
  it('never lets more than 3 requests into any 1000 ms window, whatever the attempt pattern', () => {
    const params = paramsForWindow(3, 1000, 0);
    fc.assert(fc.property(attemptTimes, (times) => maxInWindow(accepted(times, params), 1000) <= 3));
  });

  it('stays within 3 per window as seen by the server when arrival jitter is within the margin', () => {
    fc.assert(
      fc.property(attemptTimes, fc.integer({ min: 0, max: 300 }), fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (times, jitter, noise) => {
        const params = paramsForWindow(3, 1000, jitter);
        const arrivals = accepted(times, params).map((t) => t + noise.next().value * jitter);
        return maxInWindow(arrivals, 1000) <= 3;
      }),
    );
  });

  it('holds for any configured rate up to 3/s and the bound it reports', () => {
    fc.assert(
      fc.property(attemptTimes, fc.double({ min: 0.05, max: 3, noNaN: true }), (times, rate) => {
        const params = paramsForWindow(rate, 1000, 0);
        const bound = gcraMaxInWindow(params, 1000);
        return bound <= 3 && maxInWindow(accepted(times, params), 1000) <= bound;
      }),
    );
  });

  it('admits a steady caller at the full allowed rate (the limiter is not overly strict)', () => {
    const params = paramsForWindow(3, 1000, 120);
    const times = Array.from({ length: 3000 }, (_, i) => i * 10);
    const n = accepted(times, params).length;
    // Offers come every 10 ms, so each accepted one can be up to 10 ms late.
    expect(n).toBeGreaterThanOrEqual(Math.floor(30_000 / (params.intervalMs + 10)));
  });

  it('allows a burst then the sustained rate, and the window bound counts it', () => {
    const params = { intervalMs: 500, burst: 3 };
    const got = accepted([0, 0, 0, 0, 100, 600, 1000], params);
    expect(got).toEqual([0, 0, 0, 600, 1000]);
    expect(maxInWindow(got, 1000)).toBe(gcraMaxInWindow(params, 1000));
    expect(gcraMaxInWindow(params, 1000)).toBe(5);
  });
});

describe('MemoryTaskRateLimiter', () => {
  it('keeps a forgotten task spaced until its last interval has passed, then drops the state', () => {
    const l = new MemoryTaskRateLimiter({ intervalMs: 400, burst: 1 });
    expect(l.take('a', 0).allowed).toBe(true);
    l.forget('a', 10);
    expect(l.take('a', 20)).toEqual({ allowed: false, retryAt: 400 });
    expect(l.take('a', 400).allowed).toBe(true);
    l.forget('a', 500);
    l.forget('b', 500);
    expect(l.size).toBe(1);
    l.take('c', 2_000);
    expect(l.size).toBe(1);
  });

  it('holds one number per task, independent between tasks', () => {
    const l = new MemoryTaskRateLimiter({ intervalMs: 400, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(l.take(`t${i}`, 0).allowed).toBe(true);
    expect(l.size).toBe(1000);
    expect(l.allowedAt('t5', 100)).toBe(400);
  });
});
