// Scenario 5, soak: about 1,000,000 polls across 50,000 tasks that come and go. Short tasks (8 s,
// about 20 polls each at the 'fastest' policy) are created continuously so that a few thousand are
// pending at any time; heap after a forced GC is sampled at 10%, 50%, 90% and 100% of the polls and once
// everything has settled. A leak shows as heap growing with polls. The result cache is bounded
// (resultCacheSize); it is set to 2,000 here so that it is already full at the 10% mark, where the
// issue's baseline is taken: otherwise its filling up (a bounded, intended cost) reads as growth.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TaskWatcher } from '../../dist/index.js';
import { cpuMsSince, emitResult, MB, note, round } from '../lib/metrics.mjs';
import { addTasks, simStats } from '../lib/sim-client.mjs';

const cfg = JSON.parse(process.argv[2]);
const { url, totalTasks, targetPolls, pendingTarget, durationMs } = cfg;
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const watcher = new TaskWatcher({ apiKey: 'sim-key', baseUrl: url, policy: 'fastest', resultCacheSize: 2_000 });
const checkpoints = [];
const marks = [0.1, 0.5, 0.9, 1.0];
function checkpoint(label) {
  gc();
  gc();
  const m = process.memoryUsage();
  const s = watcher.stats();
  checkpoints.push({ label, polls: s.polls, pending: s.pending, cached: s.cached, heapMB: round(m.heapUsed / MB, 1), rssMB: round(m.rss / MB, 0) });
  note(`soak ${label}: ${s.polls} polls, ${s.pending} pending, ${s.cached} cached, heap ${round(m.heapUsed / MB, 1)} MB`);
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let created = 0;
let nextMark = 0;
while (created < totalTasks || watcher.stats().pending > 0) {
  const { pending, polls } = watcher.stats();
  while (nextMark < marks.length && polls >= marks[nextMark] * targetPolls) checkpoint(`${marks[nextMark++] * 100}%`);
  if (created < totalTasks && pending < pendingTarget) {
    const n = Math.min(500, totalTasks - created, pendingTarget - pending);
    const ids = await addTasks(url, Array.from({ length: n }, () => ({ durationMs, outcome: 'SUCCESS', progressSteps: 3 })));
    for (const id of ids) watcher.watch(id);
    created += n;
  }
  await sleep(50);
}
const wallMs = performance.now() - t0;
const cpuMs = cpuMsSince(cpu0);
while (nextMark < marks.length) checkpoint(`${marks[nextMark++] * 100}% (not reached)`);
await sleep(200);
checkpoint('settled');
const s = watcher.stats();
const sim = await simStats(url);
await watcher.close();

const at10 = checkpoints.find((c) => c.label === '10%');
const at100 = checkpoints.find((c) => c.label.startsWith('100%'));
const at50 = checkpoints.find((c) => c.label === '50%');
emitResult({
  tasks: created,
  polls: s.polls,
  requests: s.requests,
  completed: s.completed,
  violations: sim.violations,
  wallSeconds: round(wallMs / 1000, 1),
  pollsPerSecond: round((s.polls * 1000) / wallMs, 0),
  cpuMicrosPerPoll: round((cpuMs * 1000) / s.polls, 1),
  peakRssMB: round(process.resourceUsage().maxRSS / 1024, 0),
  checkpoints,
  heapGrowth10to100Percent: round(((at100.heapMB - at10.heapMB) / at10.heapMB) * 100, 1),
  heapGrowth50to100Percent: round(((at100.heapMB - at50.heapMB) / at50.heapMB) * 100, 1),
});
