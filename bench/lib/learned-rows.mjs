// Issue 20's rows of the frontier scenario (bench/scenarios/frontier.mjs), kept apart from the other rows:
// - `optimal2s|3s|5s`: the offline optimizer's schedule, the best age-only schedule for this workload's own
//   durations (known in advance, which no real watcher can), aimed at the p95 target minus the latency allowance
//   the learned policy keeps too, so both plan for the same schedule target;
// - `learned2s|3s|5s`: the library's `{ p95DelayMs }` policy, which starts from the gpt4o-image prior and learns
//   from the ends it sees during the run.
import { LEARNED, empiricalCurve, optimalSchedule } from '../../dist/index.js';
import { providerWorkload } from './workload.mjs';

export const LEARNED_TARGETS = { '2s': 2_000, '3s': 3_000, '5s': 5_000 };
export const LEARNED_ROWS = Object.keys(LEARNED_TARGETS).flatMap((t) => [`optimal${t}`, `learned${t}`]);
const MIN_INTERVAL_MS = 374.4;

/** The durations of the workload's tasks that end, and how many never do. */
export function workloadDurations({ count, seed, maxDurationMs, spreadMs }) {
  const tasks = providerWorkload(count, { seed, maxDurationMs, spreadMs });
  const ends = tasks.filter((t) => t.spec.outcome !== 'NEVER').map((t) => t.spec.durationMs);
  return { ends, never: tasks.length - ends.length };
}

/** The offline optimizer's schedule for the workload, at `targetMs`. */
export function optimalFor(workload, targetMs) {
  const { ends, never } = workloadDurations(workload);
  return optimalSchedule(empiricalCurve(ends, never), { targetMs: targetMs - LEARNED.latencyAllowanceMs, maxIntervalMs: LEARNED.maxIntervalMs, minIntervalMs: MIN_INTERVAL_MS });
}

/** The row's policy for the TaskWatcher, or undefined when `name` is not one of these rows. */
export function learnedRowPolicy(name, workload) {
  const m = /^(optimal|learned)(\d+s)$/.exec(name);
  if (m === null || !(m[2] in LEARNED_TARGETS)) return undefined;
  const target = LEARNED_TARGETS[m[2]];
  if (m[1] === 'learned') return { p95DelayMs: target };
  const schedule = optimalFor(workload, target);
  return (s) => schedule.delayAt(s.taskAgeMs ?? s.watchedForMs);
}

/** Issue 20's goals on this workload: per target, the learned row against the optimizer row of the same run. */
export function learnedTarget(f) {
  const out = {};
  for (const [t, target] of Object.entries(LEARNED_TARGETS)) {
    const o = f[`optimal${t}`];
    const l = f[`learned${t}`];
    if (!o || !l) continue;
    const requestsRatio = l.requestsPerTask / o.requestsPerTask;
    const p95Ratio = l.delayMs.p95 / target;
    out[t] = {
      target,
      requestsRatio: Math.round(requestsRatio * 100) / 100,
      p95Ratio: Math.round(p95Ratio * 100) / 100,
      met: requestsRatio <= 1.1 && Math.abs(p95Ratio - 1) <= 0.05,
    };
  }
  return out;
}

export const LEARNED_LABELS = {
  optimal2s: 'offline optimizer, p95 target 2 s (best age-only schedule for these durations, known in advance)',
  learned2s: '**learned, `{ p95DelayMs: 2000 }`**',
  optimal3s: 'offline optimizer, p95 target 3 s',
  learned3s: '**learned, `{ p95DelayMs: 3000 }`**',
  optimal5s: 'offline optimizer, p95 target 5 s',
  learned5s: '**learned, `{ p95DelayMs: 5000 }`**',
};

export function learnedTargetText(t) {
  const parts = Object.entries(t).map(
    ([k, v]) => `${k}: requests ${v.requestsRatio.toFixed(2)}x the optimizer's, p95 ${v.p95Ratio.toFixed(2)}x the target (${v.met ? 'met' : '**not met**'})`,
  );
  return `Learned-policy goals (issue 20: within 10% of the optimizer's requests per task, p95 within 5% of the target): ${parts.join('; ')}.`;
}
