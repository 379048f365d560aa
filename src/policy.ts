/** What a polling policy sees about a task when it picks the delay to its next poll. */
export interface PollState {
  /** The task whose next poll is being planned. */
  readonly taskId: string;
  /** The task's family id (`'gpt4o-image'`, `'market'`, ...). */
  readonly family: string;
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
   * Of the recent tasks that expected a callback, the share whose end was found by a scheduled poll rather
   * than one a callback asked for: an estimate of how many callbacks are lost (or late). `null` until there
   * is enough to say.
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
 *   moment instead. Measured against fixed intervals in docs/performance.md.
 * - `'fastest'`: the per-task rate limit (about 2.7 polls/s with the jitter margin).
 * - `{ intervalMs }`: a fixed interval.
 * - a function of {@link PollState}.
 */
export type PollingPolicy =
  | 'adaptive'
  | 'fastest'
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
 * predictions too unreliable to wait on. See docs/scheduling.md.
 */
export function adaptivePolicy(state: PollState): number {
  const age = state.taskAgeMs ?? state.watchedForMs;
  const base = age < ADAPTIVE.earlyUntilMs ? ADAPTIVE.earlyMs : age < ADAPTIVE.middleUntilMs ? ADAPTIVE.middleMs : ADAPTIVE.lateMs;
  if (state.etaMs !== null && state.etaMs > 0 && state.etaMs < base) return Math.max(state.minIntervalMs, state.etaMs);
  return base;
}

export function resolvePolicy(policy: PollingPolicy): PollingPolicyFunction {
  if (policy === 'adaptive') return adaptivePolicy;
  if (policy === 'fastest') return (s) => s.minIntervalMs;
  if (typeof policy === 'function') return policy;
  const { intervalMs } = policy;
  return () => intervalMs;
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
