// Issue 20's cost goals, A/B in one run (alternating rounds, so that machine noise hits both alike):
// - CPU per poll at the throughput ceiling (the ceiling scenario, 20,000 always-running tasks): a function
//   policy returning the per-task minimum, against the same with the learned policy's decision computed on
//   every poll (`LearnedPolicy.delay`: the hot path; its recomputations are amortised over ends, measured by
//   bench/policy-replay.mjs);
// - heap per pending task (the scale scenario, 10,000 pending tasks, --expose-gc): the default policy against
//   `{ p95DelayMs: 3000 }`.
//
//   npm run build && node bench/policy-cost.mjs [--rounds=4]     (about 3 minutes; writes bench/policy-cost.json)
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
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
const out = { measuredAt: new Date().toISOString(), rounds, loadAverage1m: load.map((x) => Math.round(x * 10) / 10), ceiling, heap };
writeFileSync(fileURLToPath(new URL('./policy-cost.json', import.meta.url)), `${JSON.stringify(out, null, 2)}\n`);
console.log(`CPU per poll, learned decision / without: ${ceiling.cpuRatio}x (${ceiling.learnedCpuMsPer1000} vs ${ceiling.withoutCpuMsPer1000} ms per 1,000 polls; goal at most 1.05x)`);
console.log(`heap per pending task: default ${heap.defaultBytesPerTask} B, learned ${heap.learnedBytesPerTask} B, extra ${heap.extraBytesPerTask} B (goal at most 16 B); load ${out.loadAverage1m.join(', ')}`);
