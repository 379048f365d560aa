import type { SurvivalCurve } from './sketch.js';

/** What the schedule must meet and may not do. */
export interface ScheduleOptions {
  /** The detection delay that `quantile` of the tasks that end must be found within, in ms of schedule time. */
  readonly targetMs: number;
  /** @default 0.95 */
  readonly quantile?: number;
  /** No gap between two polls is longer than this (it bounds the delay of the tasks past the quantile). */
  readonly maxIntervalMs: number;
  /** No gap is shorter than this (the per-task rate limit). */
  readonly minIntervalMs: number;
  /** The age grid is `targetMs / stepsPerTarget` fine. @default 8 */
  readonly stepsPerTarget?: number;
  /**
   * At most this many grid cells (a coarser grid past it, but never coarser than half the target: then up to four
   * times as many): bounds the time and memory of one schedule. @default 4096
   */
  readonly maxCells?: number;
}

/**
 * The ages at which to poll a task, from its creation: a schedule that depends on the age only. Asking it for
 * the delay from any age is O(1): a table maps each grid cell to the next poll.
 */
export interface AgeSchedule {
  /** The ages of the polls, ascending, from 0 (the poll at once) to the horizon. */
  readonly pollsMs: readonly number[];
  /** Past the horizon, every `maxIntervalMs`. */
  readonly horizonMs: number;
  /** The age grid's step: poll ages are multiples of it. */
  readonly stepMs: number;
  /** The longest gap, and the gap past the horizon. */
  readonly maxIntervalMs: number;
  /** Requests per task the curve expects (up to the horizon). */
  readonly expectedRequests: number;
  /** Of the tasks that end, the share the curve expects to be found later than the target. */
  readonly lateShare: number;
  /** ms from `ageMs` to the next poll of the schedule (always > 0). */
  delayAt(ageMs: number): number;
}

/**
 * The schedule of poll ages with the fewest expected requests whose detection delay stays within `targetMs`
 * for `quantile` of the tasks that end, for tasks whose durations follow `curve`.
 *
 * A poll at age b after one at age a is sent only if the task is still running at a: it costs S(a). Of the tasks
 * ending in (a, b], those ending before b - target are found late: they cost the budget F(b - target) - F(a) of
 * the `1 - quantile` share that may be late. On an age grid, the Lagrangian (requests + λ · late share) is
 * minimised by dynamic programming from the horizon back: each cell's best next poll is a minimum over two
 * sliding windows (gaps up to the target, which are never late, and longer gaps, whose late share is linear in
 * the next cell's value), so one pass is O(cells). λ is bisected to the smallest value that meets the target.
 * The result spends the late budget where the hazard is lowest (before the first ends, in the long tail) and
 * polls at the target's pace where tasks are likely to end.
 */
export function optimalSchedule(curve: SurvivalCurve, options: ScheduleOptions): AgeSchedule {
  const quantile = options.quantile ?? 0.95;
  const steps = options.stepsPerTarget ?? 8;
  const maxCells = options.maxCells ?? 4096;
  const target = options.targetMs;
  if (!(target > 0) || !(options.maxIntervalMs >= target) || !(quantile > 0 && quantile < 1)) {
    throw new RangeError(`optimalSchedule: needs targetMs > 0, maxIntervalMs >= targetMs and 0 < quantile < 1`);
  }
  // The horizon: where all but 1 in 500 ending tasks have ended, plus one long gap. Those few count as late
  // (they are polled every `maxIntervalMs` past it), so the budget shrinks by their share.
  const lastEnd = ageWhereEndSurvivalFalls(curve, 2e-3);
  const span = lastEnd + options.maxIntervalMs;
  // A grid coarser than half the target could not keep any gap within it: past that, more cells (up to four
  // times as many), and a horizon cut short if even that is not enough.
  // The target is a whole number of steps: a gap of floor(target / step) steps would poll up to a step more often
  // than the target needs wherever tasks are likely to end (measured: 16% more requests at a 2 s target).
  const raw = Math.min(target / 2, Math.max(target / steps, span / maxCells));
  const step = target / Math.max(2, Math.floor(target / raw + 1e-9));
  const cells = Math.min(Math.ceil(span / step), 4 * maxCells);
  const horizon = cells * step;
  const g = grid(curve, cells, step, target);
  const inTarget = Math.max(1, Math.floor(target / step + 1e-9));
  const shortest = Math.min(inTarget, Math.max(1, Math.ceil(options.minIntervalMs / step - 1e-9)));
  const longest = Math.max(inTarget, Math.floor(options.maxIntervalMs / step + 1e-9));
  const budget = Math.max(0, 1 - quantile - interpolate(curve.edges, curve.endSurvival, horizon)) + 1e-9;

  // Two constructions, the better one kept. The Lagrangian program is exact where the trade between requests
  // and lateness is smooth (a long tail), but can only reach budgets at its breakpoints; spending the budget on
  // the lowest-hazard ages first and then polling as late as that allows reaches any budget, and is exact where
  // the trade is linear (a gap before the first ends). Both are O(cells) per pass.
  const dp = new Dp(g, cells, shortest, inTarget, longest);
  let best = dp.solve(1e9);
  let lo = 1e-3;
  let hi = 1e9;
  for (let i = 0; i < 40 && hi / lo > 1.01 && best.late <= budget; i++) {
    // Geometric bisection on λ: the late share only falls as λ grows.
    const mid = Math.sqrt(lo * hi);
    const r = dp.solve(mid);
    if (r.late <= budget) {
      hi = mid;
      best = r;
    } else {
      lo = mid;
    }
  }
  const greedy = lowestHazardFirst(g, cells, shortest, inTarget, longest, budget);
  if (greedy !== null && greedy.late <= budget && greedy.requests < best.requests) best = greedy;
  // The last gap may be cut short by the horizon; past it the schedule polls every `maxIntervalMs` anyway.
  const polls = best.polls.filter((c, i, all) => i === 0 || (c - (all[i - 1] ?? 0)) * step >= options.minIntervalMs - 1e-6);
  return schedule(polls.map((c) => c * step), step, horizon, options.maxIntervalMs, best.requests, best.late);
}

/**
 * Lets the tasks ending at the ages of lowest hazard (ends per task still running) be late, as many as the
 * budget allows, and polls as late as that permits: given which ages may be late, polling each time at the
 * latest moment that keeps the others within the target is optimal, since a later poll never costs more (fewer
 * tasks are still running). The hazard threshold is bisected to the budget.
 */
function lowestHazardFirst(g: Grid, cells: number, shortest: number, inTarget: number, longest: number, budget: number): Solution | null {
  const { s, f, fLate } = g;
  const ratio = new Float64Array(cells);
  for (let c = 0; c < cells; c++) ratio[c] = s[c]! > 0 ? (f[c + 1]! - f[c]!) / s[c]! : 0;
  // firstTight[c]: the first cell at or after c whose ends must be found within the target.
  const firstTight = new Int32Array(cells + 1);
  const run = (threshold: number): Solution => {
    firstTight[cells] = cells;
    for (let c = cells - 1; c >= 0; c--) firstTight[c] = ratio[c]! > threshold ? c : firstTight[c + 1]!;
    const polls = [0];
    let requests = 1;
    let late = 0;
    for (let i = 0; i < cells; ) {
      const j = Math.min(cells, i + longest, Math.max(i + shortest, firstTight[i]! + inTarget));
      requests += s[i]!;
      late += Math.max(0, fLate[j]! - f[i]!);
      polls.push(j);
      i = j;
    }
    return { polls, requests, late };
  };
  let lo = 1e-12;
  let hi = 10;
  let best: Solution | null = null;
  const none = run(0);
  if (none.late <= budget) best = none;
  for (let i = 0; i < 50 && hi / lo > 1.001; i++) {
    const mid = Math.sqrt(lo * hi);
    const r = run(mid);
    if (r.late <= budget) {
      lo = mid;
      if (best === null || r.requests < best.requests) best = r;
    } else {
      hi = mid;
    }
  }
  return best;
}

interface Grid {
  /** P(running at cell i), every task. */
  readonly s: Float64Array;
  /** P(ended by cell i | ends). */
  readonly f: Float64Array;
  /** P(ended by cell i - target | ends). */
  readonly fLate: Float64Array;
}

interface Solution {
  readonly polls: number[];
  readonly requests: number;
  readonly late: number;
}

/** The dynamic program, with its buffers kept across the bisection's passes. */
class Dp {
  readonly #v: Float64Array;
  readonly #w: Float64Array;
  readonly #choice: Int32Array;
  readonly #dqA: Int32Array;
  readonly #dqB: Int32Array;

  readonly g: Grid;
  readonly cells: number;
  readonly shortest: number;
  readonly inTarget: number;
  readonly longest: number;

  constructor(g: Grid, cells: number, shortest: number, inTarget: number, longest: number) {
    this.g = g;
    this.cells = cells;
    this.shortest = shortest;
    this.inTarget = inTarget;
    this.longest = longest;
    this.#v = new Float64Array(cells + 1);
    this.#w = new Float64Array(cells + 1);
    this.#choice = new Int32Array(cells + 1);
    this.#dqA = new Int32Array(cells + 1);
    this.#dqB = new Int32Array(cells + 1);
  }

  solve(lambda: number): Solution {
    const { s, f, fLate } = this.g;
    const n = this.cells;
    const v = this.#v;
    const w = this.#w;
    const choice = this.#choice;
    const dqA = this.#dqA;
    const dqB = this.#dqB;
    v[n] = 0;
    w[n] = lambda * fLate[n]!;
    // Deques of cell indices, front = the largest index still in the window, values ascending from front.
    let aHead = 0;
    let aTail = 0;
    let bHead = 0;
    let bTail = 0;
    for (let i = n - 1; i >= 0; i--) {
      // Window A: next poll at i + shortest .. i + inTarget (never late).
      const addA = i + this.shortest;
      if (addA <= n && addA <= i + this.inTarget) {
        while (aTail > aHead && v[dqA[aTail - 1]!]! >= v[addA]!) aTail -= 1;
        dqA[aTail++] = addA;
      }
      while (aTail > aHead && dqA[aHead]! > i + this.inTarget) aHead += 1;
      // Window B: next poll at i + inTarget + 1 .. i + longest (late share F(b - target) - F(i)).
      const addB = i + this.inTarget + 1;
      if (addB <= n) {
        while (bTail > bHead && w[dqB[bTail - 1]!]! >= w[addB]!) bTail -= 1;
        dqB[bTail++] = addB;
      }
      while (bTail > bHead && dqB[bHead]! > i + this.longest) bHead += 1;
      let bestCost = Infinity;
      let bestNext = n;
      if (aTail > aHead) {
        bestCost = v[dqA[aHead]!]!;
        bestNext = dqA[aHead]!;
      }
      if (bTail > bHead) {
        const j = dqB[bHead]!;
        const cost = w[j]! - lambda * f[i]!;
        if (cost < bestCost) {
          bestCost = cost;
          bestNext = j;
        }
      }
      if (bestCost === Infinity) bestCost = 0; // the horizon is within reach: its cell is the last poll
      v[i] = s[i]! + bestCost;
      w[i] = lambda * fLate[i]! + v[i]!;
      choice[i] = bestNext;
    }
    const polls = [0];
    let requests = 1;
    let late = 0;
    for (let i = 0; i < n; ) {
      const j = choice[i]!;
      requests += s[i]!;
      late += Math.max(0, fLate[j]! - f[i]!);
      polls.push(j);
      i = j;
    }
    return { polls, requests, late };
  }
}

function grid(curve: SurvivalCurve, cells: number, step: number, target: number): Grid {
  const s = new Float64Array(cells + 1);
  const f = new Float64Array(cells + 1);
  const fLate = new Float64Array(cells + 1);
  for (let i = 0; i <= cells; i++) {
    s[i] = interpolate(curve.edges, curve.survival, i * step);
    f[i] = 1 - interpolate(curve.edges, curve.endSurvival, i * step);
    fLate[i] = 1 - interpolate(curve.edges, curve.endSurvival, i * step - target);
  }
  return { s, f, fLate };
}

/** Linear between edges (a uniform density within a bin); 1 before the first edge, the last value after. */
function interpolate(edges: readonly number[], values: Float64Array, x: number): number {
  if (x <= edges[0]!) return values[0]!;
  let lo = 0;
  let hi = edges.length - 1;
  if (x >= edges[hi]!) return values[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - edges[lo]!) / (edges[hi]! - edges[lo]!);
  return values[lo]! + (values[hi]! - values[lo]!) * t;
}

function ageWhereEndSurvivalFalls(curve: SurvivalCurve, below: number): number {
  for (let k = 0; k < curve.edges.length; k++) if (curve.endSurvival[k]! <= below) return curve.edges[k]!;
  return curve.edges[curve.edges.length - 1]!;
}

function schedule(pollsMs: number[], stepMs: number, horizonMs: number, maxIntervalMs: number, expectedRequests: number, lateShare: number): AgeSchedule {
  const cells = Math.round(horizonMs / stepMs);
  // next[c]: the first poll strictly after cell c's start, as a poll index.
  const next = new Int32Array(cells + 1);
  let p = 0;
  for (let c = 0; c <= cells; c++) {
    while (p < pollsMs.length && pollsMs[p]! <= c * stepMs + 1e-6) p += 1;
    next[c] = p;
  }
  return {
    pollsMs,
    horizonMs,
    stepMs,
    maxIntervalMs,
    expectedRequests,
    lateShare,
    delayAt(ageMs: number): number {
      const c = Math.floor(ageMs / stepMs);
      if (!(c >= 0)) return pollsMs[1] ?? maxIntervalMs;
      if (c >= cells) return maxIntervalMs;
      const at = pollsMs[next[c]!];
      return at === undefined ? maxIntervalMs : Math.max(1, at - ageMs);
    },
  };
}

/**
 * The survival curve of known durations (the offline optimizer's input): `durationsMs` of the tasks that end,
 * plus `neverEnding` tasks that do not, on edges every `stepMs`.
 */
export function empiricalCurve(durationsMs: readonly number[], neverEnding = 0, stepMs = 100): SurvivalCurve {
  const max = durationsMs.reduce((a, b) => Math.max(a, b), 0);
  const bins = Math.ceil(max / stepMs) + 1;
  const counts = new Float64Array(bins + 1);
  for (const d of durationsMs) counts[Math.min(bins, Math.floor(d / stepMs))]! += 1;
  const ended = durationsMs.length;
  const total = ended + neverEnding;
  const edges: number[] = [];
  const survival = new Float64Array(bins + 2);
  const endSurvival = new Float64Array(bins + 2);
  // Durations in a bin are spread over it; one exactly on an edge counts in the bin it opens.
  let done = 0;
  for (let k = 0; k <= bins + 1; k++) {
    edges.push(k * stepMs);
    survival[k] = total > 0 ? 1 - done / total : 1;
    endSurvival[k] = ended > 0 ? 1 - done / ended : 0;
    done += counts[k] ?? 0;
  }
  return { edges, survival, endSurvival };
}

/** What {@link evaluateSchedule} measured. */
export interface ScheduleReplay {
  /** Requests per task, the poll at once included. */
  readonly requestsPerTask: number;
  /** The detection delay at the quantile asked for, in ms. */
  readonly delayMs: number;
}

/** The schedule replayed on known durations: requests per ending task and the delay at `quantile`, no latency. */
export function evaluateSchedule(s: AgeSchedule, durationsMs: readonly number[], quantile = 0.95): ScheduleReplay {
  let requests = 0;
  const delays: number[] = [];
  for (const d of durationsMs) {
    let age = 0;
    requests += 1;
    while (age < d) {
      age += s.delayAt(age);
      requests += 1;
    }
    delays.push(age - d);
  }
  delays.sort((a, b) => a - b);
  const at = delays[Math.min(delays.length - 1, Math.ceil(quantile * delays.length) - 1)] ?? 0;
  return { requestsPerTask: durationsMs.length === 0 ? 0 : requests / durationsMs.length, delayMs: at };
}
