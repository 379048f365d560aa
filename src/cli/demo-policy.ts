import { adaptivePolicy, type PollingPolicy, type PollingPolicyFunction, type PollState } from '../index.js';

function scale(value: number | null, factor: number): number | null {
  return value === null ? null : value * factor;
}

/**
 * `demo --speed X` runs every simulated task X times faster; polling at the real-time pace would then see
 * a 0.3 s task after 3.5 s. The policy is shown the task as it would be at speed 1 (ages and estimates
 * times X) and its answer is divided by X, but never below the per-task rate-limit interval the watcher
 * passes in `minIntervalMs`: the demo proves the limit holds, so it must not be sped past it.
 */
export function scaledPolicy(policy: PollingPolicy, speed: number): PollingPolicy {
  if (speed === 1 || policy === 'fastest') return policy;
  // A learned policy learns the demo's own (sped-up) durations: nothing to scale.
  if (typeof policy === 'object' && 'p95DelayMs' in policy) return policy;
  const base: PollingPolicyFunction = policy === 'adaptive' ? adaptivePolicy : typeof policy === 'function' ? policy : () => policy.intervalMs;
  return (state: PollState) => {
    const asIfSpeed1: PollState = {
      ...state,
      watchedForMs: state.watchedForMs * speed,
      taskAgeMs: scale(state.taskAgeMs, speed),
      msSinceProgressChange: scale(state.msSinceProgressChange, speed),
      etaMs: scale(state.etaMs, speed),
      minIntervalMs: state.minIntervalMs * speed,
    };
    return Math.max(state.minIntervalMs, base(asIfSpeed1) / speed);
  };
}
