import { adaptivePolicy, policyDelay, type PollingPolicy, type PollState } from './adaptive.js';
import { LearnedPolicy, type ObservedEnd } from './learned.js';

/**
 * A policy as the engine drives it: the delay to a task's next poll, and the ends it may learn from. Only the
 * learned policy (`{ p95DelayMs }`) does anything with `observe`.
 */
export interface PolicyRuntime {
  delay(state: PollState): number;
  /** Called once per task the watcher stops watching: its end, or how old it was when watching stopped. */
  observe(end: ObservedEnd): void;
  /** Whether `observe` is of any use (the engine skips building the observation otherwise). */
  readonly learns: boolean;
}

const ignore = (): void => {};

export function resolvePolicy(policy: PollingPolicy): PolicyRuntime {
  if (policy === 'adaptive') return { delay: adaptivePolicy, observe: ignore, learns: false };
  if (typeof policy === 'object' && 'p95DelayMs' in policy) {
    const learned = new LearnedPolicy(policy.p95DelayMs);
    const ordinary = (s: PollState): number => learned.delay(s);
    return { delay: (s) => policyDelay(s, ordinary), observe: (end) => learned.observe(end), learns: true };
  }
  if (policy === 'fastest') return { delay: (s) => s.minIntervalMs, observe: ignore, learns: false };
  if (typeof policy === 'function') return { delay: policy, observe: ignore, learns: false };
  const { intervalMs } = policy;
  return { delay: () => intervalMs, observe: ignore, learns: false };
}
