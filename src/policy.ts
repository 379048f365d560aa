/** What a polling policy sees about a task when it picks the delay to its next poll. */
export interface PollState {
  readonly taskId: string;
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
}

/** Returns the delay in ms until the next poll. It is clamped to the rate limit and to a safe timer range. */
export type PollingPolicyFunction = (state: PollState) => number;

/**
 * - `'adaptive'` (default): soon after watching, then backing off with age like the provider advises
 *   (2-3 s in the first 30 s, 5-10 s until 2 min, 15-30 s after), tightening as progress nears the end.
 * - `'fastest'`: the per-task rate limit (about 2.7 polls/s with the jitter margin).
 * - `{ intervalMs }`: a fixed interval.
 * - a function of {@link PollState}.
 */
export type PollingPolicy = 'adaptive' | 'fastest' | { readonly intervalMs: number } | PollingPolicyFunction;

/** The adaptive policy's knobs, exported for the docs and the benchmarks. */
export const ADAPTIVE = {
  earlyMs: 2_000,
  earlyUntilMs: 30_000,
  middleMs: 5_000,
  middleUntilMs: 120_000,
  lateMs: 15_000,
  /** Poll again after this fraction of the estimated time left, so polls close in on the end geometrically. */
  etaFraction: 0.5,
} as const;

/** The default policy: see {@link PollingPolicy} and docs/scheduling.md. */
export function adaptivePolicy(state: PollState): number {
  const age = state.taskAgeMs ?? state.watchedForMs;
  const base = age < ADAPTIVE.earlyUntilMs ? ADAPTIVE.earlyMs : age < ADAPTIVE.middleUntilMs ? ADAPTIVE.middleMs : ADAPTIVE.lateMs;
  if (state.etaMs === null) return base;
  // Before the estimated end: poll after half the time left (so polls close in on it geometrically), even
  // if that is longer than the age-based delay: progress is better information than age.
  if (state.etaMs > 0) return Math.min(ADAPTIVE.lateMs, Math.max(state.minIntervalMs, state.etaMs * ADAPTIVE.etaFraction));
  // After it: the estimate was short; back off again the same way, up to the age-based delay.
  return Math.min(base, Math.max(state.minIntervalMs, -state.etaMs * ADAPTIVE.etaFraction));
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
