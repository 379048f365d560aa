import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { empiricalCurve, evaluateSchedule, optimalSchedule } from '../../src/policy/optimizer.js';
import { normalCdf } from '../../src/policy/sketch.js';

const BASE = { maxIntervalMs: 60_000, minIntervalMs: 374.3 };

/** `n` durations at the quantiles (i + 0.5) / n of a log-normal: the distribution itself, without sampling noise. */
function lognormalQuantiles(n: number, medianMs: number, sigma: number): number[] {
  return Array.from({ length: n }, (_, i) => medianMs * Math.exp(sigma * inverseNormal((i + 0.5) / n)));
}

function inverseNormal(p: number): number {
  // Bisection on Φ: slow but exact enough for a test.
  let lo = -9;
  let hi = 9;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Polling every `intervalMs` from 0, replayed on the same durations. */
function fixedRequests(durations: readonly number[], intervalMs: number): number {
  return durations.reduce((a, d) => a + 1 + Math.ceil(d / intervalMs), 0) / durations.length;
}

describe('the offline optimizer (best age-only schedule for known durations)', () => {
  it('durations uniform over 10-20 s, 1 s target: nothing until 11.5 s (the 5% it may miss is 10-10.5 s), then every second', () => {
    const durations = Array.from({ length: 10_000 }, (_, i) => 10_000 + i + 0.5);
    const s = optimalSchedule(empiricalCurve(durations), { targetMs: 1_000, ...BASE });
    expect(s.pollsMs.slice(0, 11)).toEqual([0, 11_500, 12_500, 13_500, 14_500, 15_500, 16_500, 17_500, 18_500, 19_500, 20_500]);
    // 1 + 1 + (0.85 + 0.75 + ... + 0.05): the poll at once, the one at 11.5 s, then one per second still running.
    expect(s.expectedRequests).toBeCloseTo(6.05, 6);
    expect(s.lateShare).toBeCloseTo(0.05, 6);
    const replayed = evaluateSchedule(s, durations);
    expect(replayed.requestsPerTask).toBeCloseTo(6.05, 2);
    expect(replayed.delayMs).toBeLessThanOrEqual(1_000);
    // Every second from 10 s, the obvious schedule, costs more for the same target.
    expect(fixedRequests(durations, 1_000)).toBeGreaterThan(replayed.requestsPerTask + 5);
  });

  it('two point masses (30 s and 90 s): one poll on each, whatever the target', () => {
    const durations = [...Array<number>(500).fill(30_000), ...Array<number>(500).fill(90_000)];
    for (const targetMs of [2_000, 5_000]) {
      const s = optimalSchedule(empiricalCurve(durations), { targetMs, ...BASE });
      const replayed = evaluateSchedule(s, durations);
      expect(replayed.requestsPerTask).toBeCloseTo(2.5, 6);
      expect(replayed.delayMs).toBeLessThanOrEqual(targetMs);
    }
  });

  it('polls at exactly the target where tasks are dense, even when a long tail makes the age grid coarse', () => {
    // Uniform over 100-200 s, and 1% at 40 minutes: the grid must span 41 minutes in 4,096 cells, about 600 ms
    // each. Unless the target is a whole number of cells, the gaps are a cell shorter than the target (a third
    // more requests) or longer than it (a sliver of every gap late): they were 1,802 ms.
    const durations = [...Array.from({ length: 9_900 }, (_, i) => 100_000 + (i + 0.5) * (100_000 / 9_900)), ...Array<number>(100).fill(2_400_000)];
    const s = optimalSchedule(empiricalCurve(durations, 0, 1_000), { targetMs: 1_800, ...BASE });
    const gaps = s.pollsMs.filter((a) => a > 120_000 && a < 180_000).map((a, i, all) => (i === 0 ? null : a - all[i - 1]!)).filter((g) => g !== null);
    expect(gaps.length).toBeGreaterThan(25);
    for (const g of gaps) expect(g).toBeCloseTo(1_800, 6);
    expect(evaluateSchedule(s, durations).delayMs).toBeLessThanOrEqual(1_800);
  });

  it('spends the late budget where the hazard is lowest: no poll before the first ends, long gaps in the tail', () => {
    const durations = lognormalQuantiles(4_000, 45_000, Math.log(300 / 45) / 1.645).map((d) => Math.max(3_000, d));
    const s = optimalSchedule(empiricalCurve(durations), { targetMs: 3_000, ...BASE });
    // Nothing ends before 3 s: the first poll after the one at once comes only then plus the target, or later.
    expect(s.pollsMs[1]).toBeGreaterThanOrEqual(6_000);
    // Where most tasks end (a minute), the target's pace; far in the tail, the longest gap.
    expect(s.delayAt(60_000)).toBeLessThanOrEqual(3_000);
    const late = s.pollsMs.findIndex((a, i) => i > 1 && a - (s.pollsMs[i - 1] ?? 0) > 3_000);
    expect(s.pollsMs[late]).toBeGreaterThan(120_000);
    const replayed = evaluateSchedule(s, durations);
    expect(replayed.delayMs).toBeLessThanOrEqual(3_000 + 100);
    expect(replayed.requestsPerTask).toBeLessThan(fixedRequests(durations, 3_000) * 0.85);
  });

  it('rejects a target it cannot mean', () => {
    const c = empiricalCurve([1_000]);
    expect(() => optimalSchedule(c, { targetMs: 0, ...BASE })).toThrow(RangeError);
    expect(() => optimalSchedule(c, { targetMs: 90_000, ...BASE })).toThrow(RangeError);
    expect(() => optimalSchedule(c, { targetMs: 1_000, quantile: 1, ...BASE })).toThrow(RangeError);
  });

  it('property: on the durations it was given, the p95 delay is within the target and it costs no more than polling at the target', () => {
    const mixture = fc.record({
      a: fc.record({ median: fc.integer({ min: 2_000, max: 300_000 }), sigma: fc.double({ min: 0.1, max: 1.3, noNaN: true }) }),
      b: fc.record({ median: fc.integer({ min: 2_000, max: 300_000 }), sigma: fc.double({ min: 0.1, max: 1.3, noNaN: true }) }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      targetMs: fc.integer({ min: 1_000, max: 10_000 }),
    });
    fc.assert(
      fc.property(mixture, ({ a, b, share, targetMs }) => {
        const na = Math.round(600 * share);
        const durations = [...lognormalQuantiles(na, a.median, a.sigma), ...lognormalQuantiles(600 - na, b.median, b.sigma)];
        const s = optimalSchedule(empiricalCurve(durations), { targetMs, ...BASE });
        // The curve spreads each duration over its 100 ms bin, so a few more of these 600 may be late than it
        // planned for (1 in 200), by up to a bin.
        const late = durations.filter((d) => s.delayAt(d) > targetMs + 100).length / durations.length;
        expect(late).toBeLessThanOrEqual(0.055);
        const replayed = evaluateSchedule(s, durations);
        expect(s.lateShare).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(replayed.requestsPerTask).toBeLessThanOrEqual(fixedRequests(durations, targetMs) + 0.01);
        // Gaps within the limits.
        for (let i = 1; i < s.pollsMs.length; i++) {
          const gap = (s.pollsMs[i] ?? 0) - (s.pollsMs[i - 1] ?? 0);
          expect(gap).toBeGreaterThanOrEqual(BASE.minIntervalMs);
          expect(gap).toBeLessThanOrEqual(BASE.maxIntervalMs + 1e-6);
        }
      }),
      { numRuns: 40 },
    );
  });
});
