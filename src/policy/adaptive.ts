/** What a polling policy sees about a task when it picks the delay to its next poll. */
export interface PollState {
  /** The task whose next poll is being planned. */
  readonly taskId: string;
  /** The task's family id (`'gpt4o-image'`, `'market'`, ...). */
  readonly family: string;
  /** The model the task's record names (market jobs' `model`), or `null`. */
  readonly model: string | null;
  /** ms since `watch` / `waitForCompletion` started watching this task. */
  readonly watchedForMs: number;
  /** ms since the provider created the task, when its `createTime` is known (else `null`). */
  readonly taskAgeMs: number | null;
  /** Polls answered so far (successful answers, not retries). */
  readonly polls: number;
  /** Highest progress seen, 0..1, or `null`. */
  readonly progress: number | null;
  /** The last status string seen, or `null`. */
  readonly status: string | null;
  /** ms since the progress last rose, or `null` if it never did. */
  readonly msSinceProgressChange: number | null;
  /**
   * Estimated ms from now until the task ends, from the progress rate so far; negative once that estimate
   * has passed without the task ending ("overdue"); `null` while progress gives no estimate.
   */
  readonly etaMs: number | null;
  /** The shortest delay the per-task rate limit allows. */
  readonly minIntervalMs: number;
  /** A callback is expected for this task (`expectCallback`), so polling is only its safety net. */
  readonly expectCallback: boolean;
  /**
   * Of the recent tasks that expected a callback, the share whose end a scheduled poll found and whose
   * callback (a `poke`) did not follow within 15 s: an estimate of how many callbacks are lost. A callback
   * that arrives while the finding request is out, or within those 15 s, counts as delivered; in a fleet, so
   * does one that reached another process. The watcher starts from the belief that callbacks arrive: until 8
   * ends are decided the share is misses / 8 (0 at first). `null` only from a caller that measures nothing.
   */
  readonly callbackMissRate: number | null;
}

/**
 * Returns the delay in ms until the next poll. It is clamped between the rate limit and 2^31-2 ms: `Infinity`
 * means "as late as possible"; `NaN`, a negative number or a throw mean the rate-limit interval.
 */
export type PollingPolicyFunction = (state: PollState) => number;

/**
 * - `'adaptive'` (default): at once, then every 3.5 s for the first 30 s of the task's life, 5 s until
 *   5 minutes, 10 s after; when progress predicts the end before the next regular poll, one poll at that
 *   moment instead. Measured against fixed intervals in docs/performance.md. For a task that expects a
 *   callback it polls as a safety net instead (see {@link SAFETY_NET}): slowly while callbacks arrive,
 *   tighter as more of them are missed, the schedule above once most are.
 * - `{ p95DelayMs }` (experimental): learns each family's (and model's) task durations and polls where tasks
 *   are likely to end, for the fewest requests at this p95 detection delay (docs/scheduling.md; measured in
 *   docs/performance.md, where it does not yet meet its goals). The same safety net when a callback is expected.
 * - `'fastest'`: the per-task rate limit (about 2.7 polls/s with the jitter margin).
 * - `{ intervalMs }`: a fixed interval.
 * - a function of {@link PollState}.
 */
export type PollingPolicy =
  | 'adaptive'
  | 'fastest'
  | {
      /**
       * The p95 detection delay to aim at, in ms (from 1,000 to 600,000; the constructor throws a `TypeError`
       * outside).
       */
      readonly p95DelayMs: number;
    }
  | {
      /** The delay between polls, in ms; at least the per-task spacing (`minIntervalMs`, about 374 ms), or the constructor throws a `RangeError`. */
      readonly intervalMs: number;
    }
  | PollingPolicyFunction;

/** The adaptive policy's knobs, exported for the docs and the benchmarks. */
export const ADAPTIVE = {
  /** The interval while the task is young... */
  earlyMs: 3_500,
  /** ...up to this age (ms since the task's `createTime`, else since watching started). */
  earlyUntilMs: 30_000,
  /** The interval from then on... */
  middleMs: 5_000,
  /** ...up to this age. */
  middleUntilMs: 300_000,
  /** The interval for older tasks. */
  lateMs: 10_000,
} as const;

/**
 * The default policy. Detection delay is about uniform over the interval in force when a task ends, so the
 * tail of the delay is set by the age-based intervals; they are kept flat enough that no age band (a
 * quarter of tasks run past 2 minutes) gets a long one. Progress is used only to add a poll where it
 * predicts the end, never to stretch an interval: the provider's coarse progress steps make such
 * predictions too unreliable to wait on. See docs/scheduling.md. A task that expects a callback gets the
 * {@link SAFETY_NET} instead, where a late prediction costs little: the callback, not the poll, is meant to
 * find the end.
 */
export function adaptivePolicy(state: PollState): number {
  return policyDelay(state, ordinarySchedule);
}

/** The adaptive schedule of a task that expects no callback. */
function ordinarySchedule(state: PollState): number {
  const age = state.taskAgeMs ?? state.watchedForMs;
  const base = age < ADAPTIVE.earlyUntilMs ? ADAPTIVE.earlyMs : age < ADAPTIVE.middleUntilMs ? ADAPTIVE.middleMs : ADAPTIVE.lateMs;
  if (state.etaMs !== null && state.etaMs > 0 && state.etaMs < base) return Math.max(state.minIntervalMs, state.etaMs);
  return base;
}

/** A task that expects a callback gets the safety net around `ordinary`; any other, `ordinary` itself. */
export function policyDelay(state: PollState, ordinary: (state: PollState) => number): number {
  return state.expectCallback ? safetyNet(state, ordinary) : ordinary(state);
}

/**
 * The adaptive policy's safety net for tasks that expect a callback, exported for the docs and the
 * benchmarks. Chosen with an offline replay of the benchmark workload (`bench/safety-net-replay.mjs`, numbers
 * in docs/callbacks.md); which schedule applies depends on the watcher's callback miss rate `m`:
 *
 * - `m <= trustedMissRate` (callbacks arrive): the **slow net**, one poll every `slowMinMs` to `slowMaxMs`
 *   (the task's age, within those bounds). A lost callback costs at most that.
 * - `watchfulMissRate <= m <= blendMissRate`: the **watchful net**. Tight (`nearMs`) where a task is likely
 *   to end: from `firstAtMs` to `blindUntilMs` of age while progress gives no estimate, and from shortly before
 *   the end progress predicts; loose elsewhere (`farMs`, `overdueMs`). Over all tasks the p95 detection delay is
 *   then set by the lost callbacks only, and only by the three quarters of them (at 20% lost) this net covers.
 * - `m >= adaptiveMissRate` (most callbacks lost): the ordinary schedule ({@link ADAPTIVE}, or the learned one).
 * - Between these bands, the interval moves linearly from one schedule's to the next's.
 */
export const SAFETY_NET = {
  /**
   * The miss rate assumed for a `null` `callbackMissRate`: callbacks arrive (the watcher's own estimate starts
   * there too, and the first misses move it within a few ends; scheduled polls are then planned again).
   */
  priorMissRate: 0,
  /** Up to this miss rate (about one end in 64 found by a scheduled poll), the slow net. */
  trustedMissRate: 0.02,
  /** The slow net's shortest interval... */
  slowMinMs: 60_000,
  /** ...and longest: in between, the task's age. */
  slowMaxMs: 120_000,
  /**
   * From this miss rate, the watchful net. Far below the 20% it is measured at on purpose: over 64 ends the
   * estimate wanders by about 0.05, and reads low early on (lost ends are found later than delivered ones).
   */
  watchfulMissRate: 0.08,
  /** The watchful net's interval where the task is likely to end. */
  nearMs: 4_500,
  /** Its interval where it is not. */
  farMs: 40_000,
  /** Without a progress estimate, its first poll after the one at once comes at this age... */
  firstAtMs: 7_500,
  /** ...and it polls at `nearMs` until this age, then at `farMs`. */
  blindUntilMs: 20_000,
  /** With an estimate, the interval is this share of the time left to the predicted end (within `nearMs`..`farMs`). */
  leadShare: 0.45,
  /** Once the predicted end is this far past, the prediction was wrong (a long task)... */
  overdueAfterMs: 80_000,
  /** ...and the interval becomes this. */
  overdueMs: 25_000,
  /** From this miss rate the watchful net blends into the ordinary schedule... */
  blendMissRate: 0.3,
  /** ...which applies alone from this one. */
  adaptiveMissRate: 0.6,
} as const;

/** Polling when a callback is expected: see {@link SAFETY_NET}. */
function safetyNet(state: PollState, ordinarySchedule: (state: PollState) => number): number {
  const n = SAFETY_NET;
  const m = state.callbackMissRate ?? n.priorMissRate;
  if (m >= n.adaptiveMissRate) return ordinarySchedule(state);
  const age = state.taskAgeMs ?? state.watchedForMs;
  const slow = Math.min(n.slowMaxMs, Math.max(n.slowMinMs, age));
  if (m <= n.trustedMissRate) return slow;
  const watchful = watchfulNet(state.etaMs, age);
  if (m < n.watchfulMissRate) return mix(slow, watchful, (m - n.trustedMissRate) / (n.watchfulMissRate - n.trustedMissRate));
  if (m <= n.blendMissRate) return watchful;
  return mix(watchful, ordinarySchedule(state), (m - n.blendMissRate) / (n.adaptiveMissRate - n.blendMissRate));
}

function watchfulNet(etaMs: number | null, age: number): number {
  const n = SAFETY_NET;
  if (etaMs === null) return age < n.firstAtMs ? n.firstAtMs - age : age < n.blindUntilMs ? n.nearMs : n.farMs;
  // Closing in on the predicted end: each poll goes a little under halfway there, so the end is met at `nearMs`.
  if (etaMs > n.nearMs) return Math.min(n.farMs, Math.max(n.nearMs, etaMs * n.leadShare));
  return etaMs < -n.overdueAfterMs ? n.overdueMs : n.nearMs;
}

function mix(from: number, to: number, share: number): number {
  return from + (to - from) * share;
}

/**
 * Linear extrapolation of progress from an origin point to the last rise: returns the estimated end minus
 * `now` (negative when overdue), or `null` when progress has not risen since the origin.
 */
export function estimateEta(originAt: number, originProgress: number, riseAt: number, progress: number, now: number): number | null {
  const dp = progress - originProgress;
  const dt = riseAt - originAt;
  if (dp <= 0 || dt <= 0) return null;
  const endAt = riseAt + ((1 - progress) * dt) / dp;
  return endAt - now;
}
