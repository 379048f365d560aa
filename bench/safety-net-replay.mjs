// Offline replay: how the safety-net schedule of the 'adaptive' policy (src/policy.ts, SAFETY_NET) was chosen.
// The frontier workload (600 tasks, the same generator as scenario 3) is replayed under each schedule with
// callbacks all delivered, 20% lost and all lost, next to the policies without callbacks; see bench/lib/replay.mjs
// for the model. Its figures are what the frontier benchmark then measures for real (docs/performance.md).
//
//   npm run build && node bench/safety-net-replay.mjs       workload seeds 42 (the frontier's), 7, 1, 2, 3
//   node bench/safety-net-replay.mjs --seeds=42 --latency=100 --callback-delay=0
//
// Goals (issue 11), judged per seed against the baselines of the same seed: all delivered, p95 <= 0.5 s and
// <= 3 requests per task; 20% lost, p95 no worse than the default policy without callbacks and at most half its
// requests; all lost, p95 no worse than fixed 10 s.
import { adaptivePolicy, SAFETY_NET } from '../dist/index.js';
import { replay, WORKLOAD } from './lib/replay.mjs';

const argv = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const seeds = (argv.seeds ?? '42,7,1,2,3').split(',').map(Number);
const model = { latencyMs: Number(argv.latency ?? 100), callbackDelayMs: Number(argv['callback-delay'] ?? 0) };
const LOSSES = [
  ['all delivered', 0],
  ['20% lost', 0.2],
  ['all lost', 1],
];

/** Each candidate is a policy for tasks that expect a callback. */
const CANDIDATES = [
  ['flat 5 s', () => 5_000],
  ['flat 15 s (the provider advises 15-30 s)', () => 15_000],
  ['flat 30 s', () => 30_000],
  ['flat 60 s', () => 60_000],
  ['the default (adaptive) unchanged', (s) => adaptivePolicy({ ...s, expectCallback: false })],
  ['**shipped: the safety net**', adaptivePolicy],
  // Ablations of the shipped net: what each input is worth.
  ['shipped, blind to progress (no ETA)', (s) => adaptivePolicy({ ...s, etaMs: null })],
  ['shipped, watchful net from a miss rate of 0.15 (not 0.08)', (s) => adaptivePolicy({ ...s, callbackMissRate: narrowBands(s.callbackMissRate) })],
  ['shipped, told the true loss rate', null],
];

/** Maps a miss rate so that the shipped net sees the slow-to-watchful blend over 0.05..0.15 instead of 0.02..0.08. */
function narrowBands(m) {
  if (m === null) return null;
  const { trustedMissRate: a, watchfulMissRate: b } = SAFETY_NET;
  if (m <= 0.05) return a;
  if (m >= 0.15) return Math.max(b, m);
  return a + ((m - 0.05) / 0.1) * (b - a);
}

const run = (policy, lossRate, seed, callbacks = true) => replay(policy, { seed, lossRate, expectCallback: callbacks, callbacks, ...model });
const base = seeds.map((seed) => ({
  fixed2s: run(() => 2_000, 1, seed, false),
  fixed10s: run(() => 10_000, 1, seed, false),
  adaptive: run(adaptivePolicy, 1, seed, false),
}));

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Requests and delays averaged over the seeds; the goal columns say on how many seeds the goal was met. */
const row = (name, rs) => `| ${name} | ${mean(rs.map((r) => r.requestsPerTask)).toFixed(2)} | ${s(mean(rs.map((r) => r.p50)))} | ${s(mean(rs.map((r) => r.p95)))} | ${s(mean(rs.map((r) => r.p99)))} |`;
const out = (text) => process.stdout.write(`${text}\n`);

out(`Replay of ${WORKLOAD.count} tasks per workload seed (${seeds.join(', ')}), latency ${model.latencyMs} ms, callback delay ${model.callbackDelayMs} ms; means over the seeds.\n`);
out('| policy | requests / task | delay p50 | delay p95 | delay p99 |');
out('| --- | --- | --- | --- | --- |');
out(row('fixed 2 s, no callbacks', base.map((b) => b.fixed2s)));
out(row('fixed 10 s, no callbacks', base.map((b) => b.fixed10s)));
out(row('default (adaptive), no callbacks', base.map((b) => b.adaptive)));
const verdicts = [];
for (const [name, candidate] of CANDIDATES) {
  const cells = LOSSES.map(([, lossRate]) =>
    seeds.map((seed) => run(candidate ?? ((st) => adaptivePolicy({ ...st, callbackMissRate: lossRate })), lossRate, seed)),
  );
  LOSSES.forEach(([label], i) => out(row(`${name}, callbacks ${label}`, cells[i])));
  const met = [
    cells[0].filter((r) => r.p95 <= 500 && r.requestsPerTask <= 3).length,
    cells[1].filter((r, i) => r.p95 <= base[i].adaptive.p95 && r.requestsPerTask <= base[i].adaptive.requestsPerTask / 2).length,
    cells[2].filter((r, i) => r.p95 <= base[i].fixed10s.p95).length,
  ];
  const ratios = cells[1].map((r, i) => `${(r.requestsPerTask / base[i].adaptive.requestsPerTask).toFixed(2)}/${(r.p95 / base[i].adaptive.p95).toFixed(2)}`);
  verdicts.push(`| ${name} | ${met.map((n) => `${n}/${seeds.length}`).join(' | ')} | ${ratios.join(', ')} |`);
}
out('\nGoals met, on how many workload seeds (20% lost: requests and p95 as ratios to the default without callbacks, per seed):\n');
out('| policy | all delivered | 20% lost | all lost | 20% lost: requests / p95 ratios |');
out('| --- | --- | --- | --- | --- |');
for (const v of verdicts) out(v);
