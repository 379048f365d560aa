// A/B of the throughput ceiling: builds of the watcher (and connection settings) measured in alternating
// rounds against one simulator, next to the bare undici loop, so that machine noise hits every variant alike.
//
//   npm run build
//   git worktree add /tmp/kie-old <commit> && (cd /tmp/kie-old && npm ci && npx tsup)
//   node bench/ceiling-ab.mjs --old=/tmp/kie-old/dist/index.js [--rounds=4]
//
// Prints, per variant, the median polls/s, CPU ms per 1,000 polls, and the median of the per-round ratios to
// the bare loop measured in the same round. Writes bench/ceiling-ab.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, withSim } from './lib/proc.mjs';
import { addTasks } from './lib/sim-client.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const rounds = Number(arg('rounds', '4'));
const old = arg('old', undefined);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor((s.length - 1) / 2);
  return s.length % 2 ? s[m] : (s[m] + s[m + 1]) / 2;
};
const variants = [
  { name: 'this build, 64 in flight on 64 connections (default)', cfg: {} },
  { name: 'this build, 16 in flight on 16 connections', cfg: { maxInFlight: 16, connections: 16 } },
  ...(old ? [{ name: `earlier build (${old}), 64 in flight on 16 connections (its default)`, cfg: { dist: old } }] : []),
];
const out = await withSim({}, async (sim) => {
  await addTasks(sim.url, Array.from({ length: 20_000 }, () => ({ durationMs: 1_000, outcome: 'NEVER', progressSteps: 2 })));
  const rows = variants.map((v) => ({ ...v, rounds: [] }));
  for (let r = 0; r < rounds; r++) {
    for (const row of rows) {
      const bare = await runScenario('ceiling', { url: sim.url, mode: 'bare', warmupMs: 2_000, windowMs: 5_000 }, { quiet: true });
      const w = await runScenario('ceiling', { url: sim.url, mode: 'watcher', warmupMs: 2_000, windowMs: 5_000, ...row.cfg }, { quiet: true });
      row.rounds.push({ bare: bare.perSecond, bareCpu: bare.cpuMsPer1000, watcher: w.perSecond, cpu: w.cpuMsPer1000, violations: w.violations });
      process.stdout.write(`round ${r + 1} ${row.name}: ${w.perSecond}/s vs bare ${bare.perSecond}/s, ${w.cpuMsPer1000} vs ${bare.cpuMsPer1000} CPU ms/1000\n`);
    }
  }
  return rows.map((row) => ({
    variant: row.name,
    pollsPerSecond: median(row.rounds.map((x) => x.watcher)),
    cpuMsPer1000: median(row.rounds.map((x) => x.cpu)),
    ratioToBare: Math.round(median(row.rounds.map((x) => x.watcher / x.bare)) * 100) / 100,
    cpuRatioToBare: Math.round(median(row.rounds.map((x) => x.cpu / x.bareCpu)) * 100) / 100,
    violations: row.rounds.reduce((s, x) => s + x.violations, 0),
    rounds: row.rounds,
  }));
});
console.table(out.map(({ rounds: _r, ...rest }) => rest));
writeFileSync(fileURLToPath(new URL('./ceiling-ab.json', import.meta.url)), `${JSON.stringify({ measuredAt: new Date().toISOString(), rounds, results: out }, null, 2)}\n`);
