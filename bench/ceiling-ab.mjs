// A/B of the throughput ceiling: builds of the watcher (and connection settings) measured in alternating
// rounds against one simulator, next to the bare undici loop, so that machine noise hits every variant alike.
//
//   npm run build
//   git worktree add /tmp/kie-old <commit> && (cd /tmp/kie-old && npm ci && npx tsup)
//   node bench/ceiling-ab.mjs --old=/tmp/kie-old/dist/index.js [--rounds=4] [--only=ceiling|scale]
//
// --only=ceiling (the default): prints, per variant, the median polls/s, CPU ms per 1,000 polls, and the median
// of the per-round ratios to the bare loop measured in the same round. Writes bench/ceiling-ab.json.
// --only=scale (needs --old): 10,000 tasks watched at once (scenario 2's quick size), this build and the old one
// in alternating rounds, each on a fresh simulator; prints the medians and the median per-round ratio new/old
// of CPU per poll, heap per pending task, watch() cost and polls/s. Writes bench/scale-ab.json.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, withSim } from './lib/proc.mjs';
import { addTasks } from './lib/sim-client.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const rounds = Number(arg('rounds', '4'));
const old = arg('old', undefined);
const only = arg('only', 'ceiling');
if (only !== 'ceiling' && only !== 'scale') throw new Error(`--only=${only}: expected ceiling or scale`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor((s.length - 1) / 2);
  return s.length % 2 ? s[m] : (s[m] + s[m + 1]) / 2;
};
if (only === 'scale') {
  if (!old) throw new Error('--only=scale compares with an earlier build: give --old=<its dist/index.js>');
  await scaleAb(old);
  process.exit(0);
}
const variants = [
  { name: 'this build, 64 in flight on 64 connections (default)', cfg: {} },
  { name: 'this build, 16 in flight on 16 connections', cfg: { maxInFlight: 16, connections: 16 } },
  ...(old ? [{ name: `earlier build (${old}), its default connection settings`, cfg: { dist: old } }] : []),
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

async function scaleAb(oldDist) {
  const keys = ['cpuMicrosPerPoll', 'heapPerPendingTaskBytes', 'watchCallMicros', 'pollsPerSecond'];
  const sides = [
    { name: 'this build', cfg: {} },
    { name: `earlier build (${oldDist})`, cfg: { dist: oldDist } },
  ];
  const runs = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so that a drift of the machine within a round hits both alike.
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const res = await withSim({}, (sim) => runScenario('scale', { url: sim.url, count: 10_000, durationMs: 12_000, pendingWindowMs: 4_000, ...sides[i].cfg }, { nodeArgs: ['--expose-gc'], quiet: true }));
      runs[i].push(res);
      process.stdout.write(`round ${r + 1} ${sides[i].name}: ${keys.map((k) => `${k} ${res[k]}`).join(', ')}\n`);
    }
  }
  const results = sides.map((side, i) => ({ variant: side.name, ...Object.fromEntries(keys.map((k) => [k, median(runs[i].map((x) => x[k]))])), violations: runs[i].reduce((s, x) => s + x.violations, 0) }));
  const ratios = Object.fromEntries(keys.map((k) => [k, Math.round(median(runs[0].map((x, j) => x[k] / runs[1][j][k])) * 1000) / 1000]));
  console.table(results);
  console.log('median per-round ratio, this build / earlier build:', ratios);
  writeFileSync(fileURLToPath(new URL('./scale-ab.json', import.meta.url)), `${JSON.stringify({ measuredAt: new Date().toISOString(), rounds, results, ratioThisToEarlier: ratios, runs }, null, 2)}\n`);
}
