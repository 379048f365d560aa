import { optimalSchedule, type AgeSchedule } from './optimizer.js';
import { DEFAULT_PRIOR, FAMILY_PRIORS } from './priors.js';
import { DurationSketch, priorBins } from './sketch.js';

/** The learned policy's knobs, exported for the docs and the benchmarks. */
export const LEARNED = {
  /** The p95 detection delay a `LearnedPolicy` made without one aims at. */
  defaultP95DelayMs: 4_000,
  /**
   * The schedule aims this much under the target: a poll finds an end only when its request reaches the server,
   * and the delay a user sees ends when its answer is back, after the scheduler's own lag.
   */
  latencyAllowanceMs: 200,
  /** No gap between two polls is longer (it bounds the delay of the 5% the target leaves out). */
  maxIntervalMs: 60_000,
  /**
   * The sketch remembers about this many recent ends of a family (older ones fade out exponentially). Long,
   * because the 5% a p95 leaves out is planned on the tail, and a tail estimated from a hundred ends is mostly
   * noise; a shift is followed by `shiftWindow`, not by fading.
   */
  window: 1024,
  /**
   * A second sketch remembers only this many recent ends; when its curve and the long one's are further apart
   * than `shiftDistance` (the largest gap between their shares of ends still to come), the durations have
   * shifted: the long sketch restarts from the short one, and the schedule from it.
   */
  shiftWindow: 48,
  /**
   * A gap between the short and the long sketch that noise leaves with odds under 1 in 1,000 per check (a
   * Kolmogorov-Smirnov bound for about 2 · `shiftWindow` effective ends), and a shift of a mode by a third of its
   * age crosses within about `shiftWindow` / 2 ends.
   */
  shiftDistance: 0.3,
  /**
   * The share of ends the schedule plans to find later than the target: under the 5% a p95 allows, because a
   * schedule fitted to an estimate finds more of the next ends late than it planned (it leaves gaps where the
   * estimate is thinnest), and over 5% the p95 lands on a late end, tens of seconds late. Measured on 40 random
   * log-normals learned from 400 to 1,000 ends: at most 5.5% found late (test/unit/policy-learned.test.ts). A
   * late share corrected by the share measured on new ends was tried: 4% fewer requests on the benchmark, but
   * 6-8% late on some of those samples.
   */
  lateShare: 0.035,
  /** The family's prior weighs as much as this many ends. */
  priorWeight: 16,
  /**
   * A family's sketch is checked for a shift after this many new observations, and its schedule recomputed
   * while it is young (fewer than `settledAfter` observations since it started or shifted); a check is a few µs.
   */
  recomputeEvery: 16,
  /**
   * Once settled, the schedule is recomputed only after this many observations: a recomputation costs about
   * 5 ms (the benchmark shape), which every 16 ends would be 11 µs per poll, 17% of the watcher's own CPU per
   * poll; every 128, 1.4 µs (bench/policy-cost.mjs).
   */
  settledRecomputeEvery: 128,
  /** See `settledRecomputeEvery`. */
  settledAfter: 512,
  /** A model gets a schedule of its own once this many of its ends were seen; until then, its family's. */
  modelAfter: 32,
  /** Models tracked per family, at most (the rest share the family's schedule). */
  maxModelsPerFamily: 32,
} as const;

/** The part of `PollState` the learned schedule reads (structural, so that this module needs no import of it). */
export interface ScheduleInput {
  /** {@inheritDoc PollState.family} */
  readonly family: string;
  /** {@inheritDoc PollState.model} */
  readonly model: string | null;
  /** {@inheritDoc PollState.watchedForMs} */
  readonly watchedForMs: number;
  /** {@inheritDoc PollState.taskAgeMs} */
  readonly taskAgeMs: number | null;
  /** {@inheritDoc PollState.etaMs} */
  readonly etaMs: number | null;
  /** {@inheritDoc PollState.minIntervalMs} */
  readonly minIntervalMs: number;
}

/** What the engine tells a learning policy when it stops watching a task. */
export interface ObservedEnd {
  /** The task's family id. */
  readonly family: string;
  /** The model the record names, `null` when it names none. */
  readonly model: string | null;
  /**
   * `'ended'`: the task ended at an age in (`afterMs`, `atMs`] (the poll before saw it running); `'censored'`:
   * it was still running at `atMs` when its watch stopped (a deadline, the last waiter left, `close()`).
   */
  readonly kind: 'ended' | 'censored';
  /** The task's age (ms since its creation) when an answer last saw it running. */
  readonly afterMs: number;
  /** Its age when this answer saw it ended (or, censored, the age it reached running). */
  readonly atMs: number;
}

/** The prior fades as a window of this many ends would (the long window would keep it for thousands). */
const PRIOR_WINDOW = 128;

class Learner {
  readonly sketch: DurationSketch;
  readonly #recent: DurationSketch;
  #schedule: AgeSchedule | null = null;
  #since = 0;
  /** Observations since the schedule was last computed (as of the last check). */
  #stale = 0;
  /** Observations since the sketch started or last shifted (as of the last check). */
  #young = 0;
  /** Ends left until a shift is settled (0: none under way). */
  #settling = 0;

  constructor(prior: Float64Array) {
    this.sketch = new DurationSketch(prior, LEARNED.priorWeight, LEARNED.window, PRIOR_WINDOW);
    this.#recent = new DurationSketch(prior, LEARNED.priorWeight, LEARNED.shiftWindow);
  }

  observe(end: ObservedEnd): void {
    if (end.kind === 'ended') {
      this.sketch.addEnd(end.afterMs, end.atMs);
      this.#recent.addEnd(end.afterMs, end.atMs);
    } else {
      this.sketch.addCensored(end.atMs);
      this.#recent.addCensored(end.atMs);
    }
    this.#since += 1;
    if (this.#settling > 0) this.#settling -= 1;
  }

  schedule(targetMs: number, minIntervalMs: number): AgeSchedule {
    if (this.#schedule !== null && this.#since < LEARNED.recomputeEvery) return this.#schedule;
    this.#stale += this.#since;
    this.#young += this.#since;
    this.#since = 0;
    const shifted = this.#recent.observed >= LEARNED.shiftWindow && this.sketch.distance(this.#recent) > LEARNED.shiftDistance;
    if (shifted || this.#settling > 0) {
      // A shift: what the long sketch remembers is the old distribution. Until the short sketch holds only ends
      // of the new one (`shiftWindow` · 4 ends: e^-4 of the old weight is left), the long one follows it.
      if (shifted && this.#settling === 0) {
        this.#settling = 4 * LEARNED.shiftWindow;
        this.#young = 0;
      }
      this.sketch.restartFrom(this.#recent);
    }
    const every = this.#young < LEARNED.settledAfter ? LEARNED.recomputeEvery : LEARNED.settledRecomputeEvery;
    if (this.#schedule === null || this.#stale >= every) {
      this.#stale = 0;
      this.#schedule = optimalSchedule(this.sketch.curve(), {
        targetMs,
        quantile: 1 - LEARNED.lateShare,
        maxIntervalMs: LEARNED.maxIntervalMs,
        minIntervalMs,
      });
    }
    return this.#schedule;
  }
}

class FamilyLearners {
  readonly all: Learner;
  readonly models = new Map<string, Learner>();

  readonly prior: Float64Array;

  constructor(prior: Float64Array) {
    this.prior = prior;
    this.all = new Learner(prior);
  }
}

/**
 * A policy that learns: per family (and per model where records name one), a sketch of the durations seen,
 * and from it the age schedule with the fewest requests whose p95 detection delay is `p95DelayMs`
 * ({@link optimalSchedule}). A decision is two map lookups and a table lookup; the schedule is recomputed
 * every {@link LEARNED}.recomputeEvery observations of its family.
 */
export class LearnedPolicy {
  /** The p95 detection delay it aims at. */
  readonly p95DelayMs: number;
  readonly #families = new Map<string, FamilyLearners>();
  readonly #targetMs: number;

  /** @param p95DelayMs the target; the watcher accepts 1,000 to 600,000 ms. */
  constructor(p95DelayMs: number = LEARNED.defaultP95DelayMs) {
    this.p95DelayMs = p95DelayMs;
    this.#targetMs = Math.max(p95DelayMs / 2, p95DelayMs - LEARNED.latencyAllowanceMs);
  }

  /** The delay to the next poll of an ordinary task (no callback expected). */
  delay(state: ScheduleInput): number {
    const age = state.taskAgeMs ?? state.watchedForMs;
    const base = this.schedule(state.family, state.model, state.minIntervalMs).delayAt(age);
    // Progress that predicts the end before the next scheduled poll earns one poll at that moment.
    if (state.etaMs !== null && state.etaMs > 0 && state.etaMs < base) return Math.max(state.minIntervalMs, state.etaMs);
    return base;
  }

  /** Learns from one task's end (or from a task still running when its watch stopped). */
  observe(end: ObservedEnd): void {
    const f = this.#family(end.family);
    f.all.observe(end);
    if (end.model === null) return;
    let m = f.models.get(end.model);
    if (m === undefined) {
      if (f.models.size >= LEARNED.maxModelsPerFamily) return;
      m = new Learner(f.prior);
      f.models.set(end.model, m);
    }
    m.observe(end);
  }

  /** The schedule a task of `family` (and `model`) follows now. */
  schedule(family: string, model: string | null = null, minIntervalMs = 0): AgeSchedule {
    const f = this.#family(family);
    if (model !== null) {
      const m = f.models.get(model);
      if (m !== undefined && m.sketch.observed >= LEARNED.modelAfter) return m.schedule(this.#targetMs, minIntervalMs);
    }
    return f.all.schedule(this.#targetMs, minIntervalMs);
  }

  #family(family: string): FamilyLearners {
    let f = this.#families.get(family);
    if (f === undefined) {
      const p = FAMILY_PRIORS[family] ?? DEFAULT_PRIOR;
      f = new FamilyLearners(priorBins(p.medianMs, p.p95Ms));
      this.#families.set(family, f);
    }
    return f;
  }
}
