import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEARNED, LearnedPolicy } from '../../src/policy/learned.js';
import { empiricalCurve, evaluateSchedule, optimalSchedule } from '../../src/policy/optimizer.js';
import { DurationSketch, normalCdf, priorBins } from '../../src/policy/sketch.js';
import { mulberry32 } from '../../src/simulator/index.js';

const MIN_INTERVAL_MS = 374.3;

function lognormalSampler(seed: number, medianMs: number, sigma: number): () => number {
  const rand = mulberry32(seed);
  return () => {
    const u = 1 - rand();
    const v = rand();
    return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
}

/** Survival at `ageMs` on the sketch's curve (linear between edges). */
/** The share of `durations` whose end the schedule finds more than `targetMs` after it (no latency). */
function lateShare(s: { delayAt(ageMs: number): number }, durations: readonly number[], targetMs: number): number {
  let late = 0;
  for (const d of durations) {
    let age = 0;
    while (age < d) age += s.delayAt(age);
    if (age - d > targetMs) late += 1;
  }
  return late / durations.length;
}

function survivalAt(sketch: DurationSketch, ageMs: number): number {
  const { edges, endSurvival } = sketch.curve();
  for (let k = 1; k < edges.length; k++) {
    const hi = edges[k] ?? 0;
    if (ageMs <= hi) {
      const lo = edges[k - 1] ?? 0;
      const t = (ageMs - lo) / (hi - lo);
      return (endSurvival[k - 1] ?? 0) + ((endSurvival[k] ?? 0) - (endSurvival[k - 1] ?? 0)) * t;
    }
  }
  return 0;
}

describe('the duration sketch', () => {
  it('starts from its prior: a log-normal by median and p95', () => {
    const s = new DurationSketch(priorBins(45_000, 300_000), 16, 64);
    expect(survivalAt(s, 45_000)).toBeCloseTo(0.5, 1);
    expect(survivalAt(s, 300_000)).toBeCloseTo(0.05, 1);
  });

  it('counts censored tasks as "at least this old", not as ends and not as nothing', () => {
    // Durations uniform over 0-200 s; the tasks that would run past 50 s have half their watches stop at 50 s.
    const s = new DurationSketch(priorBins(100_000, 190_000), 0.001, 1e9);
    for (let i = 0; i < 2_000; i++) {
      const d = (i + 0.5) / 10;
      if (d > 50 && i % 2 === 0) s.addCensored(50_000);
      else s.addEnd(d * 1_000, d * 1_000);
    }
    // The truth: half of the tasks end by 100 s. Dropping the censored ones would say 1/3 ran past it.
    expect(survivalAt(s, 100_000)).toBeGreaterThan(0.46);
    expect(survivalAt(s, 100_000)).toBeLessThan(0.54);
  });

  it('spreads an end seen between two polls over the time between them', () => {
    const s = new DurationSketch(priorBins(100_000, 190_000), 0.001, 1e9);
    for (let i = 0; i < 100; i++) s.addEnd(20_000, 40_000);
    // Smoothed over about ±25% of the age (see SMOOTHING), centred where the gap is.
    expect(survivalAt(s, 15_000)).toBeGreaterThan(0.97);
    expect(survivalAt(s, 30_000)).toBeGreaterThan(0.4);
    expect(survivalAt(s, 30_000)).toBeLessThan(0.6);
    expect(survivalAt(s, 55_000)).toBeLessThan(0.03);
  });

  it('forgets: 200 ends after a shift from 10 s to 4 minutes move the median there, with a window of 128', () => {
    const s = new DurationSketch(priorBins(45_000, 300_000), LEARNED.priorWeight, 128);
    for (let i = 0; i < 500; i++) s.addEnd(10_000, 10_000);
    expect(survivalAt(s, 12_000)).toBeLessThan(0.05);
    for (let i = 0; i < 200; i++) s.addEnd(240_000, 240_000);
    // e^(-200/128) of the old weight is left: about a fifth.
    expect(survivalAt(s, 200_000)).toBeGreaterThan(0.7);
  });

  it('keeps its size whatever it is fed', () => {
    const s = new DurationSketch(priorBins(45_000, 300_000), 16, 64);
    const before = s.curve().survival.length;
    const next = lognormalSampler(3, 45_000, 1);
    for (let i = 0; i < 50_000; i++) s.addEnd(0, next());
    expect(s.curve().survival.length).toBe(before);
    expect(s.observed).toBe(50_000);
    expect(Number.isFinite(survivalAt(s, 45_000))).toBe(true);
  });
});

describe('the learned policy', () => {
  it('learns a family: after 200 ends at 9-11 s it polls tightly there and rarely before', () => {
    const p = new LearnedPolicy(2_000);
    const prior = p.schedule('gpt4o-image', null, MIN_INTERVAL_MS);
    for (let i = 0; i < 200; i++) p.observe({ family: 'gpt4o-image', model: null, kind: 'ended', afterMs: 9_000 + (i % 20) * 100, atMs: 9_000 + (i % 20) * 100 });
    const learned = p.schedule('gpt4o-image', null, MIN_INTERVAL_MS);
    expect(learned).not.toBe(prior);
    expect(learned.delayAt(9_500)).toBeLessThanOrEqual(2_000);
    // Nothing ended before 9 s: the first poll after the one at once waits for it.
    expect(learned.pollsMs[1]).toBeGreaterThanOrEqual(8_000);
    // Another family is untouched.
    expect(p.schedule('veo', null, MIN_INTERVAL_MS).pollsMs[1]).not.toBe(learned.pollsMs[1]);
  });

  it('keeps one schedule per model once a model has its own ends, the family one before that', () => {
    const p = new LearnedPolicy(3_000);
    const end = (model: string, atMs: number) => p.observe({ family: 'market', model, kind: 'ended', afterMs: atMs, atMs });
    for (let i = 0; i < LEARNED.modelAfter - 1; i++) {
      end('img', 10_000);
      end('vid', 240_000);
    }
    expect(p.schedule('market', 'img', MIN_INTERVAL_MS)).toBe(p.schedule('market', 'vid', MIN_INTERVAL_MS));
    end('img', 10_000);
    end('vid', 240_000);
    expect(p.schedule('market', 'img', MIN_INTERVAL_MS)).not.toBe(p.schedule('market', 'vid', MIN_INTERVAL_MS));
    for (let i = 0; i < 200; i++) {
      end('img', 10_000);
      end('vid', 240_000);
    }
    const img = p.schedule('market', 'img', MIN_INTERVAL_MS);
    const vid = p.schedule('market', 'vid', MIN_INTERVAL_MS);
    expect(evaluateSchedule(img, [10_000]).delayMs).toBeLessThanOrEqual(3_000);
    expect(evaluateSchedule(vid, [240_000]).delayMs).toBeLessThanOrEqual(3_000);
    // Each is loose where the other is tight.
    expect(vid.delayAt(9_000)).toBeGreaterThan(3_000);
    expect(img.delayAt(100_000)).toBeGreaterThan(3_000);
  });

  it('is O(1) per decision: the schedule is reused until enough new ends arrive', () => {
    const p = new LearnedPolicy(3_000);
    const first = p.schedule('veo', null, MIN_INTERVAL_MS);
    for (let i = 0; i < LEARNED.recomputeEvery - 1; i++) p.observe({ family: 'veo', model: null, kind: 'ended', afterMs: 5_000, atMs: 5_000 });
    expect(p.schedule('veo', null, MIN_INTERVAL_MS)).toBe(first);
    p.observe({ family: 'veo', model: null, kind: 'ended', afterMs: 5_000, atMs: 5_000 });
    expect(p.schedule('veo', null, MIN_INTERVAL_MS)).not.toBe(first);
  });

  it('once settled, recomputes only every settledRecomputeEvery ends (a recomputation is milliseconds), while still checking for a shift', () => {
    const p = new LearnedPolicy(3_000);
    const end = (d: number): void => {
      p.schedule('veo', null, MIN_INTERVAL_MS);
      p.observe({ family: 'veo', model: null, kind: 'ended', afterMs: d, atMs: d });
    };
    for (let i = 0; i < LEARNED.settledAfter + LEARNED.settledRecomputeEvery; i++) end(60_000 + (i % 50) * 200);
    const settled = p.schedule('veo', null, MIN_INTERVAL_MS);
    let recomputed = 0;
    let last = settled;
    for (let i = 0; i < 4 * LEARNED.settledRecomputeEvery; i++) {
      end(60_000 + (i % 50) * 200);
      const now = p.schedule('veo', null, MIN_INTERVAL_MS);
      if (now !== last) recomputed += 1;
      last = now;
    }
    expect(recomputed).toBe(4);
    // A shift is still caught at the next check, and the schedule follows it at once.
    for (let i = 0; i < 3 * LEARNED.shiftWindow; i++) end(240_000 + (i % 20) * 500);
    expect(p.schedule('veo', null, MIN_INTERVAL_MS).delayAt(240_000)).toBeLessThanOrEqual(3_000);
  });

  it('adds a poll where progress predicts the end, and never polls past the schedule because of it', () => {
    const p = new LearnedPolicy(3_000);
    const base = { family: 'gpt4o-image', model: null, watchedForMs: 60_000, taskAgeMs: null, minIntervalMs: MIN_INTERVAL_MS };
    const scheduled = p.delay({ ...base, etaMs: null });
    expect(p.delay({ ...base, etaMs: 1_000 })).toBe(Math.min(1_000, scheduled));
    expect(p.delay({ ...base, etaMs: 100_000 })).toBe(scheduled);
  });

  it('property: learned from 400 ends of a log-normal of moderate spread, its schedule finds at most 6% of fresh tasks later than the target, at no more than 1.3x the requests of the best schedule for them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 5_000, max: 240_000 }),
        fc.double({ min: 0.2, max: 0.6, noNaN: true }),
        fc.constantFrom(2_000, 3_000, 5_000),
        (seed, median, sigma, target) => {
          const p = new LearnedPolicy(target + LEARNED.latencyAllowanceMs);
          const next = lognormalSampler(seed, median, sigma);
          for (let i = 0; i < 400; i++) {
            // As the engine does: each end arrives between decisions of the schedule in force.
            p.schedule('veo', null, MIN_INTERVAL_MS);
            const d = next();
            p.observe({ family: 'veo', model: null, kind: 'ended', afterMs: d, atMs: d });
          }
          const fresh = Array.from({ length: 4_000 }, next);
          const s = p.schedule('veo', null, MIN_INTERVAL_MS);
          // The share found late, not the p95: the p95 is a cliff (over 5% late it lands on a late end, tens of
          // seconds late), the share says how close to it the plan is. It plans 3.5%; 400 ends leave it uncertain.
          expect(lateShare(s, fresh, target)).toBeLessThanOrEqual(0.06);
          const best = evaluateSchedule(optimalSchedule(empiricalCurve(fresh), { targetMs: target, maxIntervalMs: LEARNED.maxIntervalMs, minIntervalMs: MIN_INTERVAL_MS }), fresh);
          expect(evaluateSchedule(s, fresh).requestsPerTask).toBeLessThanOrEqual(best.requestsPerTask * 1.3);
        },
      ),
      // A fixed seed: the bound is statistical (400 samples), so CI runs the same 25 cases every time.
      { numRuns: 25, seed: 20, endOnFailure: true },
    );
  });

  it('a heavy tail (the benchmark shape, 5% past 5 minutes) is harder: over 12 samples the p95 is within 30% of the target on average', () => {
    const ratios: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const p = new LearnedPolicy(3_000 + LEARNED.latencyAllowanceMs);
      const next = lognormalSampler(seed, 45_000, Math.log(300 / 45) / 1.645);
      for (let i = 0; i < 400; i++) {
        p.schedule('gpt4o-image', null, MIN_INTERVAL_MS);
        const d = next();
        p.observe({ family: 'gpt4o-image', model: null, kind: 'ended', afterMs: d, atMs: d });
      }
      ratios.push(evaluateSchedule(p.schedule('gpt4o-image', null, MIN_INTERVAL_MS), Array.from({ length: 4_000 }, next)).delayMs / 3_000);
    }
    expect(ratios.reduce((a, b) => a + b, 0) / ratios.length).toBeLessThan(1.3);
  });
});

describe('the learned policy on the benchmark shape (5% past 5 minutes, capped at 10 minutes)', () => {
  const SIGMA = Math.log(300 / 45) / 1.645;
  const capped = (seed: number): (() => number) => {
    const next = lognormalSampler(seed, 45_000, SIGMA);
    return () => Math.min(600_000, Math.max(3_000, next()));
  };

  it('fits bins fine enough: the sketch of 20,000 ends gives a schedule within 5% of the best one for the distribution itself', () => {
    const next = capped(11);
    const sketch = new DurationSketch(priorBins(45_000, 300_000), LEARNED.priorWeight, 1e9);
    for (let i = 0; i < 20_000; i++) {
      const d = next();
      sketch.addEnd(d, d);
    }
    // Both plan the share of late ends the policy plans (a schedule planned at exactly 5% is a coin toss on a p95).
    const options = { targetMs: 3_000, maxIntervalMs: LEARNED.maxIntervalMs, minIntervalMs: MIN_INTERVAL_MS, quantile: 1 - LEARNED.lateShare };
    const fresh = Array.from({ length: 20_000 }, next);
    const b = evaluateSchedule(optimalSchedule(empiricalCurve(Array.from({ length: 50_000 }, capped(12))), options), fresh);
    const l = evaluateSchedule(optimalSchedule(sketch.curve(), options), fresh);
    // 8% bins smoothed over ±25% cost 8% more here (every mode widened, the 10-minute cap spread over 48 s).
    expect(l.requestsPerTask).toBeLessThanOrEqual(b.requestsPerTask * 1.05);
    expect(l.delayMs).toBeLessThanOrEqual(3_000 * 1.05);
  });

  it('keeps its margin: learning while it schedules, it finds at most 5% of new ends later than the target on every sample', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const next = capped(seed);
      const p = new LearnedPolicy(3_000 + LEARNED.latencyAllowanceMs);
      for (let i = 0; i < 3_000; i++) {
        p.schedule('gpt4o-image', null, MIN_INTERVAL_MS);
        const d = next();
        p.observe({ family: 'gpt4o-image', model: null, kind: 'ended', afterMs: d, atMs: d });
      }
      const s = p.schedule('gpt4o-image', null, MIN_INTERVAL_MS);
      // Over 5%, the p95 lands on a late end, tens of seconds late.
      expect(lateShare(s, Array.from({ length: 20_000 }, next), 3_000)).toBeLessThanOrEqual(0.05);
    }
  });

  it('follows a shift: 200 ends at 4 minutes after 2,000 at 10 s, and it no longer polls at the 10 s pace', () => {
    const p = new LearnedPolicy(3_000);
    const end = (d: number): void => {
      p.schedule('market', null, MIN_INTERVAL_MS);
      p.observe({ family: 'market', model: null, kind: 'ended', afterMs: d, atMs: d });
    };
    for (let i = 0; i < 2_000; i++) end(9_000 + (i % 20) * 100);
    const pollsIn = (s: { pollsMs: readonly number[] }, from: number, to: number): number => s.pollsMs.filter((at) => at > from && at < to).length;
    // Ends within 9-11 s: one poll just after 11 s finds them all within 3 s, and none is wasted before 8 s.
    const before = p.schedule('market', null, MIN_INTERVAL_MS);
    expect(pollsIn(before, 8_000, 13_000)).toBeGreaterThanOrEqual(1);
    expect(pollsIn(before, 1, 8_000)).toBe(0);
    for (let i = 0; i < 200; i++) end(235_000 + (i % 20) * 500);
    const after = p.schedule('market', null, MIN_INTERVAL_MS);
    expect(after.delayAt(239_000)).toBeLessThanOrEqual(3_000);
    // A window of a thousand ends with no change detection would still hold 82% of the 10 s ends, polled at the
    // target's pace; what is left of them is worth one poll at most.
    expect(pollsIn(after, 5_000, 60_000)).toBeLessThanOrEqual(1);
  });
});

describe('the prior of each family', () => {
  it('is the documented log-normal (normalCdf is the standard normal CDF)', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.6448536269514722)).toBeCloseTo(0.95, 6);
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 4);
  });
});
