// Issue 20's cost goals, A/B in one run (alternating rounds, so that machine noise hits both alike):
// - CPU per poll at the throughput ceiling (the ceiling scenario, 20,000 always-running tasks): a function
//   policy returning the per-task minimum, against the same with the learned policy's decision computed on
//   every poll (`LearnedPolicy.delay`: the hot path; its recomputations are amortised over ends, measured by
//   bench/policy-replay.mjs);
// - heap per pending task (the scale scenario, 10,000 pending tasks, --expose-gc): the default policy against
//   `{ p95DelayMs: 3000 }`.
//
// - and in this process, the learned policy's own CPU time: ns per decision (`delay`, on the states of a replayed
//   frontier workload) and ms per schedule recomputation (one per 16 ends of a family), expressed per poll of the
//   frontier workload and as a share of the watcher's CPU per poll measured above (the ceiling A/B's difference
//   is within its noise on a shared machine; this share is not).
//
//   npm run build && node bench/policy-cost.mjs [--rounds=4]     (about 4 minutes; writes bench/policy-cost.json)
//   node bench/policy-cost.mjs --micro                           (the in-process part only, seconds)
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LearnedPolicy } from '../dist/index.js';
import { runScenario, withSim } from './lib/proc.mjs';
import { addTasks } from './lib/sim-client.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const rounds = Number(arg('rounds', '4'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor((s.length - 1) / 2);
  return s.length % 2 ? s[m] : (s[m] + s[m + 1]) / 2;
};
const load = [loadavg()[0]];

/** The learned policy's own CPU: decisions on the ages a 3 s schedule polls at, and recomputations. */
function micro() {
  const p = new LearnedPolicy(3_000);
  const SIGMA = Math.log(300 / 45) / 1.645;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const duration = () => Math.min(600_000, Math.max(3_000, 45_000 * Math.exp(SIGMA * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()))));
  const state = { family: 'gpt4o-image', model: null, watchedForMs: 0, taskAgeMs: 0, etaMs: null, minIntervalMs: 374.4 };
  // Warm: 2,000 ends learned, each recomputation timed.
  let recomputeMs = 0;
  let recomputes = 0;
  for (let i = 0; i < 2_000; i++) {
    const d = duration();
    p.observe({ family: 'gpt4o-image', model: null, kind: 'ended', afterMs: d, atMs: d });
    if ((i + 1) % 16 === 0) {
      const t = process.hrtime.bigint();
      p.delay(state);
      recomputeMs += Number(process.hrtime.bigint() - t) / 1e6;
      recomputes += 1;
    }
  }
  // Decisions: the ages of a task's polls along the schedule, over many tasks (no recomputation among them).
  let calls = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let task = 0; task < 20_000; task++) {
    const d = duration();
    for (let age = 0; age < d; calls++) {
      state.taskAgeMs = age;
      const next = p.delay(state);
      sink += next;
      age += Math.max(374.4, next);
    }
  }
  const nsPerDecision = Number(process.hrtime.bigint() - t0) / calls;
  const pollsPerTask = calls / 20_000;
  return { nsPerDecision: Math.round(nsPerDecision), recomputeMs: Math.round((recomputeMs / recomputes) * 100) / 100, pollsPerTask: Math.round(pollsPerTask * 10) / 10, sink: sink > 0 };
}
if (process.argv.includes('--micro')) {
  console.log(micro());
  process.exit(0);
}

const ceiling = await withSim({}, async (sim) => {
  await addTasks(sim.url, Array.from({ length: 20_000 }, () => ({ durationMs: 1_000, outcome: 'NEVER', progressSteps: 2 })));
  const rows = { without: [], learned: [] };
  for (let r = 0; r < rounds; r++) {
    for (const policy of ['min', 'learned']) {
      const w = await runScenario('ceiling', { url: sim.url, mode: 'watcher', warmupMs: 2_000, windowMs: 5_000, policy }, { quiet: true });
      rows[policy === 'min' ? 'without' : 'learned'].push({ perSecond: w.perSecond, cpuMsPer1000: w.cpuMsPer1000 });
      process.stdout.write(`ceiling round ${r + 1} ${policy}: ${w.perSecond} polls/s, ${w.cpuMsPer1000} CPU ms per 1,000 polls\n`);
    }
    load.push(loadavg()[0]);
  }
  const ratios = rows.learned.map((x, i) => x.cpuMsPer1000 / rows.without[i].cpuMsPer1000);
  return {
    withoutCpuMsPer1000: median(rows.without.map((x) => x.cpuMsPer1000)),
    learnedCpuMsPer1000: median(rows.learned.map((x) => x.cpuMsPer1000)),
    cpuRatio: Math.round(median(ratios) * 1000) / 1000,
    rows,
  };
});

const scale = { default: [], learned: [] };
for (let r = 0; r < rounds; r++) {
  for (const [key, policy] of [
    ['default', undefined],
    ['learned', { p95DelayMs: 3_000 }],
  ]) {
    const res = await withSim({}, (sim) => runScenario('scale', { url: sim.url, count: 10_000, durationMs: 12_000, pendingWindowMs: 4_000, ...(policy ? { policy } : {}) }, { nodeArgs: ['--expose-gc'], quiet: true }));
    scale[key].push(res.heapPerPendingTaskBytes);
    process.stdout.write(`scale round ${r + 1} ${key}: ${res.heapPerPendingTaskBytes} B heap per pending task\n`);
  }
  load.push(loadavg()[0]);
}
const heap = {
  defaultBytesPerTask: median(scale.default),
  learnedBytesPerTask: median(scale.learned),
  extraBytesPerTask: median(scale.learned.map((x, i) => x - scale.default[i])),
  rounds: scale,
};
const m = micro();
// Per poll: one decision, plus a recomputation per 16 ends spread over the polls of a task (one end per task).
const policyUsPerPoll = m.nsPerDecision / 1_000 + (m.recomputeMs * 1_000) / 16 / m.pollsPerTask;
const own = { ...m, policyUsPerPoll: Math.round(policyUsPerPoll * 100) / 100, shareOfWatcherCpuPerPoll: Math.round((policyUsPerPoll / ceiling.withoutCpuMsPer1000) * 10_000) / 10_000 };
const out = { measuredAt: new Date().toISOString(), rounds, loadAverage1m: load.map((x) => Math.round(x * 10) / 10), ceiling, heap, own };
writeFileSync(fileURLToPath(new URL('./policy-cost.json', import.meta.url)), `${JSON.stringify(out, null, 2)}\n`);
console.log(`CPU per poll, learned decision / without: ${ceiling.cpuRatio}x (${ceiling.learnedCpuMsPer1000} vs ${ceiling.withoutCpuMsPer1000} ms per 1,000 polls; goal at most 1.05x)`);
console.log(`the learned policy's own CPU: ${own.nsPerDecision} ns per decision, ${own.recomputeMs} ms per recomputation, ${own.policyUsPerPoll} µs per poll of the frontier workload (${own.pollsPerTask} polls per task): ${(own.shareOfWatcherCpuPerPoll * 100).toFixed(2)}% of the watcher's CPU per poll`);
console.log(`heap per pending task: default ${heap.defaultBytesPerTask} B, learned ${heap.learnedBytesPerTask} B, extra ${heap.extraBytesPerTask} B (goal at most 16 B); load ${out.loadAverage1m.join(', ')}`);
