/**
 * Age bins of the duration sketch, in ms: [0, 1 s), then each edge 3% above the one before, up to 4 hours.
 * Log-spaced because the hazard changes on a relative scale (an image in seconds, a video in minutes). 3% and
 * not coarser: a schedule can only be as sharp as the bins it is fitted to. Fitted to 100,000 ends of the
 * benchmark shape, 8% bins smoothed three times cost 3-4% more requests than the schedule for the distribution
 * itself and missed the p95 by up to 50%; 3% bins with one pass, 1% more and the p95 met. 325 bins: a sketch
 * holds two arrays of them (ends, censorings), 5 KB.
 */
export const SKETCH_GROWTH = 1.03;
export const SKETCH_EDGES: readonly number[] = (() => {
  const edges = [0, 1_000];
  while (edges[edges.length - 1]! < 4 * 3_600_000) edges.push(Math.round(edges[edges.length - 1]! * SKETCH_GROWTH));
  return edges;
})();

const BINS = SKETCH_EDGES.length - 1;
/** Past this many units of scale the counts are renormalised (keeps doubles far from overflow). */
const RESCALE_AT = 1e200;

/** A survival curve over ages, as the optimizer consumes it: both arrays are indexed by bin edge. */
export interface SurvivalCurve {
  /** Bin edges in ms (`SKETCH_EDGES`). */
  readonly edges: readonly number[];
  /** P(duration > edge), over every task, including those that never end (censored beyond the last end). */
  readonly survival: Float64Array;
  /** Of the tasks that end, the share that ends after the edge: the curve the delay target is measured on. */
  readonly endSurvival: Float64Array;
}

/**
 * A bounded-memory sketch of task durations: a histogram of ends and of censorings (a task still running when
 * its watch stopped, or when the watcher closed) over fixed log-spaced age bins, with exponential forgetting
 * so that it follows a workload that changes. Survival comes from the actuarial (life-table) Kaplan-Meier
 * estimate over the bins, so censored tasks count as "at least this old" without biasing the curve short.
 *
 * Forgetting is applied lazily: each new observation weighs `1 / decay` times the one before, and the counts are
 * renormalised now and then, so an observation costs O(1) plus the bins its interval spans.
 */
export class DurationSketch {
  readonly #ends = new Float64Array(BINS + 1);
  readonly #censored = new Float64Array(BINS + 1);
  readonly #prior: Float64Array;
  /** The prior's weight in stored units: it decays, as observations do, by not growing with the scale. */
  #priorStored: number;
  readonly #decay: number;
  readonly #window: number;
  /** What the prior loses per observation, beyond what every stored count does. */
  readonly #priorFade: number;
  /** The weight of the next observation, relative to the stored counts. */
  #scale = 1;
  /** Observations so far (not decayed): the sketch's age. */
  #observed = 0;

  /**
   * @param prior the end probabilities per bin the sketch starts from (sums to 1; from {@link priorBins}).
   * @param priorWeight how many observations the prior is worth; it is forgotten as they are.
   * @param window the number of recent observations the sketch remembers (counts decay by `1 - 1/window` each).
   * @param priorWindow the prior fades as if the window were this (when shorter): a long memory for ends, but a
   *   prior that stops mattering after a few hundred of them.
   */
  constructor(prior: Float64Array, priorWeight: number, window: number, priorWindow = window) {
    this.#prior = prior;
    this.#decay = 1 - 1 / window;
    this.#window = window;
    this.#priorFade = Math.min(1, (1 - 1 / priorWindow) / this.#decay);
    this.#priorStored = priorWeight;
  }

  /** Observations added so far. */
  get observed(): number {
    return this.#observed;
  }

  /**
   * A task ended somewhere in (`afterMs`, `atMs`] of age: the poll before saw it running, this one saw it
   * ended. Its weight is spread over that interval (uniformly: the sketch cannot know better). `afterMs ===
   * atMs` for an exact duration.
   */
  addEnd(afterMs: number, atMs: number): void {
    const w = this.#next();
    const lo = Math.max(0, Math.min(afterMs, atMs));
    const hi = Math.max(0, atMs);
    if (hi - lo < 1) {
      this.#ends[binOf(hi)]! += w;
      return;
    }
    for (let k = binOf(lo); k <= BINS; k++) {
      const a = Math.max(lo, SKETCH_EDGES[k]!);
      const b = Math.min(hi, SKETCH_EDGES[k + 1] ?? Infinity);
      if (b <= a) break;
      this.#ends[k]! += (w * (b - a)) / (hi - lo);
    }
  }

  /** A task was still running at `atMs` of age when it stopped being watched. */
  addCensored(atMs: number): void {
    this.#censored[binOf(Math.max(0, atMs))]! += this.#next();
  }

  /**
   * The survival curve now: the life-table estimate over the bins, the prior kept at a floor of one
   * observation so that ages nothing was seen at still have a shape.
   */
  curve(): SurvivalCurve {
    const ends = new Float64Array(BINS + 1);
    const cens = new Float64Array(BINS + 1);
    // The prior decays with the data; what is left of it, or one new observation's worth, whichever is more.
    const prior = Math.max(this.#priorStored, this.#scale * this.#decay);
    let total = 0;
    for (let k = 0; k <= BINS; k++) {
      ends[k] = this.#ends[k]! + this.#prior[k]! * prior;
      cens[k] = this.#censored[k]!;
      total += ends[k]! + cens[k]!;
    }
    return lifeTable(smooth(ends, smoothingPasses(Math.min(this.#observed, this.#window))), cens, total);
  }

  /**
   * How far apart two sketches' curves are: the largest gap between their shares of ends still to come at any
   * age (a Kolmogorov-Smirnov distance, 0 to 1). O(bins).
   */
  distance(other: DurationSketch): number {
    const a = this.curve().endSurvival;
    const b = other.curve().endSurvival;
    let d = 0;
    for (let k = 0; k <= BINS; k++) d = Math.max(d, Math.abs(a[k]! - b[k]!));
    return d;
  }

  /** Forgets everything and starts again from what `other` remembers (its counts and what is left of its prior). */
  restartFrom(other: DurationSketch): void {
    const into = (to: Float64Array, from: Float64Array): void => {
      for (let k = 0; k <= BINS; k++) to[k] = from[k]! / other.#scale;
    };
    into(this.#ends, other.#ends);
    into(this.#censored, other.#censored);
    this.#priorStored = other.#priorStored / other.#scale;
    this.#scale = 1;
  }

  #next(): number {
    this.#observed += 1;
    this.#priorStored *= this.#priorFade;
    const w = this.#scale;
    this.#scale /= this.#decay;
    if (this.#scale > RESCALE_AT) {
      for (let k = 0; k <= BINS; k++) {
        this.#ends[k]! /= this.#scale;
        this.#censored[k]! /= this.#scale;
      }
      this.#priorStored /= this.#scale;
      this.#scale = 1;
    }
    return w;
  }
}

/**
 * Passes of a [1/4, 1/2, 1/4] kernel over the end counts: a few hundred ends leave empty bins between them in
 * the tail, and a schedule fitted to those gaps would skip ages where the next tasks do end; but each pass widens
 * every mode, which costs polls across it once there are ends enough to show its shape. So the kernel narrows as
 * ends accumulate, as a density estimate's bandwidth does: `SMOOTHING` passes (a spread of about ±2 bins, ±6%
 * of the age) while the sketch holds `SMOOTHING_UNTIL` ends or fewer, down to one pass.
 */
export const SMOOTHING = 8;
const SMOOTHING_UNTIL = 400;

/** The passes for a sketch that holds `held` ends' worth of weight. */
export function smoothingPasses(held: number): number {
  if (!(held > SMOOTHING_UNTIL)) return SMOOTHING;
  return Math.max(1, Math.round(SMOOTHING * (SMOOTHING_UNTIL / held) ** 0.8));
}

function smooth(counts: Float64Array, passes: number): Float64Array {
  let a = counts;
  for (let p = 0; p < passes; p++) {
    const b = new Float64Array(a.length);
    for (let k = 0; k < a.length; k++) {
      const left = k > 0 ? a[k - 1]! : a[k]!;
      const right = k + 1 < a.length - 1 ? a[k + 1]! : a[k]!;
      b[k] = k === a.length - 1 ? a[k]! : 0.25 * left + 0.5 * a[k]! + 0.25 * right;
    }
    a = b;
  }
  return a;
}

/** The bin an age falls in (the last one holds everything past 4 hours). */
export function binOf(ageMs: number): number {
  if (ageMs < SKETCH_EDGES[1]!) return 0;
  const k = 1 + Math.floor(Math.log(ageMs / SKETCH_EDGES[1]!) / Math.log(SKETCH_GROWTH));
  // Edges are rounded, so the logarithm can land one bin off; settle it against the edges themselves.
  let b = Math.min(BINS, Math.max(1, k));
  while (b > 0 && ageMs < SKETCH_EDGES[b]!) b -= 1;
  while (b < BINS && ageMs >= SKETCH_EDGES[b + 1]!) b += 1;
  return b;
}

/** Actuarial survival: a task censored within a bin was at risk for half of it. */
function lifeTable(ends: Float64Array, cens: Float64Array, total: number): SurvivalCurve {
  const survival = new Float64Array(BINS + 1);
  let s = 1;
  let atRisk = total;
  survival[0] = 1;
  for (let k = 0; k < BINS; k++) {
    const exposed = atRisk - cens[k]! / 2;
    const hazard = exposed > 0 ? Math.min(1, ends[k]! / exposed) : 0;
    s *= 1 - hazard;
    survival[k + 1] = s;
    atRisk -= ends[k]! + cens[k]!;
  }
  const ended = 1 - survival[BINS]!;
  const endSurvival = new Float64Array(BINS + 1);
  for (let k = 0; k <= BINS; k++) endSurvival[k] = ended > 0 ? Math.max(0, (survival[k]! - survival[BINS]!) / ended) : k === 0 ? 1 : 0;
  return { edges: SKETCH_EDGES, survival, endSurvival };
}

/**
 * A log-normal duration distribution as sketch bins: the end probability of each bin. Priors are given as a
 * median and a 95th percentile, which fixes both parameters.
 */
export function priorBins(medianMs: number, p95Ms: number): Float64Array {
  const mu = Math.log(medianMs);
  const sigma = Math.log(p95Ms / medianMs) / 1.6448536269514722;
  const cdf = (x: number): number => (x <= 0 ? 0 : normalCdf((Math.log(x) - mu) / sigma));
  const out = new Float64Array(BINS + 1);
  for (let k = 0; k < BINS; k++) out[k] = cdf(SKETCH_EDGES[k + 1]!) - cdf(SKETCH_EDGES[k]!);
  out[BINS - 1]! += 1 - cdf(SKETCH_EDGES[BINS]!);
  return out;
}

/** Φ(z), Abramowitz-Stegun 26.2.17 (error under 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z >= 0 ? 1 - p : p;
}
