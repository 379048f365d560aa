// A workload shaped like the provider's 4o-image tasks (docs/performance.md, "Workload"):
// - durations log-normal with median 45 s and 5% over 5 min (sigma = ln(300/45) / 1.645 = 1.153),
//   floored at 3 s and capped at `maxDurationMs` so a run has a bounded length;
// - about 10% failures (a third of them CREATE_TASK_FAILED early, the rest at a log-normal time);
// - 1% never finish (progress stalls and the task stays GENERATING until the watch deadline);
// - progress in 2..6 coarse irregular steps for most tasks; 15% "stall": one step, then a long flat
//   stretch to the end; 5% report no progress at all (always "0.00");
// - arrivals spread uniformly over `spreadMs`, as tasks are created continuously in production.
// Deterministic for a seed, so every policy and every peer sees exactly the same tasks.
import { mulberry32 } from '../../dist/simulator/index.js';

export const WORKLOAD = {
  medianMs: 45_000,
  sigma: Math.log(300 / 45) / 1.645,
  minDurationMs: 3_000,
  failureRate: 0.1,
  neverRate: 0.01,
  stallRate: 0.15,
  noProgressRate: 0.05,
};

export function providerWorkload(count, { seed = 42, maxDurationMs = 600_000, spreadMs = 0 } = {}) {
  const rand = mulberry32(seed);
  const normal = () => {
    // Box-Muller; 1 - u keeps log() away from 0.
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const lognormal = () => WORKLOAD.medianMs * Math.exp(WORKLOAD.sigma * normal());
  const tasks = [];
  for (let i = 0; i < count; i++) {
    const rOutcome = rand();
    const rKind = rand();
    const rProgress = rand();
    const rSteps = rand();
    const arriveAtMs = Math.round(rand() * spreadMs);
    let durationMs = Math.round(Math.min(maxDurationMs, Math.max(WORKLOAD.minDurationMs, lognormal())));
    let outcome = 'SUCCESS';
    if (rOutcome < WORKLOAD.neverRate) {
      outcome = 'NEVER';
    } else if (rOutcome < WORKLOAD.neverRate + WORKLOAD.failureRate) {
      if (rKind < 1 / 3) {
        outcome = 'CREATE_TASK_FAILED';
        durationMs = Math.round(WORKLOAD.minDurationMs + rand() * 7_000);
      } else {
        outcome = rKind < 2 / 3 ? 'GENERATE_FAILED' : 'MODERATED';
      }
    }
    const progressSteps = rProgress < WORKLOAD.noProgressRate ? 0 : rProgress < WORKLOAD.noProgressRate + WORKLOAD.stallRate ? 1 : 2 + Math.floor(rSteps * 5);
    tasks.push({ arriveAtMs, spec: { durationMs, outcome, progressSteps } });
  }
  tasks.sort((a, b) => a.arriveAtMs - b.arriveAtMs);
  return tasks;
}
