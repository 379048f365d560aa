// Scenario 2, scale: N tasks watched at once with the default policy, in a process started with
// --expose-gc so heap figures are live data only. Measures the cost of watch() itself, then heap and
// RSS per pending task, CPU per poll and event-loop delay while every task is pending, then waits for
// all of them to settle and checks that memory returns to the baseline (plus the bounded result cache).
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMsSince, emitResult, MB, note, round } from '../lib/metrics.mjs';
import { addTasks, simStats } from '../lib/sim-client.mjs';

const cfg = JSON.parse(process.argv[2]);
const { url, count, durationMs, pendingWindowMs } = cfg;
// `dist` lets bench/ceiling-ab.mjs run another build (an earlier commit's) in the same conditions.
const { TaskWatcher } = await import(cfg.dist ?? '../../dist/index.js');
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

function settledMemory() {
  // Two passes: the first can leave weak/finalizable objects for the second.
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}
const ELD_RESOLUTION_MS = 10;
const lateness = (ns) => round(Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS), 1);
const countTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

// Tasks end `durationMs` after creation; every one is pending through the measured window.
const ids = await addTasks(url, Array.from({ length: count }, () => ({ durationMs, outcome: 'SUCCESS', progressSteps: 3 })));
const createdAt = performance.now();
const base = settledMemory();
const timersBefore = countTimers();

// `policy`: bench/policy-cost.mjs compares the heap per pending task of the default and the learned policy.
const watcher = new TaskWatcher({ apiKey: 'sim-key', baseUrl: url, ...(cfg.policy === undefined ? {} : { policy: cfg.policy }) });
const tWatch = performance.now();
for (const id of ids) watcher.watch(id);
const watchMs = performance.now() - tWatch;

const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();
const cpu0 = process.cpuUsage();
const polls0 = watcher.stats().polls;
let peakRss = 0;
const t0 = performance.now();
while (performance.now() - t0 < pendingWindowMs) {
  await sleep(200);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
eld.disable();
const windowMs = performance.now() - t0;
const cpuMs = cpuMsSince(cpu0);
const polls = watcher.stats().polls - polls0;
const pendingNow = watcher.stats().pending;
const timersPending = countTimers();
const pendingMem = settledMemory();
if (performance.now() - createdAt > durationMs) note('warning: tasks may have ended before the pending snapshot; raise durationMs');

await watcher.onIdle();
const s = watcher.stats();
// The pool closes when the watcher goes idle; give its sockets a moment to be released.
await sleep(200);
const settled = settledMemory();
const sim = await simStats(url);
await watcher.close();

const result = {
  tasks: count,
  pendingAtSnapshot: pendingNow,
  watchCallMicros: round((watchMs * 1000) / count, 2),
  heapPerPendingTaskBytes: round((pendingMem.heapUsed - base.heapUsed) / count, 0),
  rssPerPendingTaskBytes: round((pendingMem.rss - base.rss) / count, 0),
  rssPendingMB: round(pendingMem.rss / MB, 0),
  peakRssMB: round(peakRss / MB, 0),
  heapPendingMB: round(pendingMem.heapUsed / MB, 1),
  // Where RSS goes beyond live heap: V8 keeps committed heap pages (heapTotal) after a GC, and
  // sockets/buffers live outside the heap (external, arrayBuffers).
  heapTotalPendingMB: round(pendingMem.heapTotal / MB, 1),
  externalPendingMB: round(pendingMem.external / MB, 1),
  arrayBuffersPendingMB: round(pendingMem.arrayBuffers / MB, 1),
  baseHeapMB: round(base.heapUsed / MB, 1),
  baseRssMB: round(base.rss / MB, 0),
  pollsPerSecond: round((polls * 1000) / windowMs, 0),
  cpuMicrosPerPoll: round((cpuMs * 1000) / polls, 1),
  cpuPercent: round((cpuMs / windowMs) * 100, 0),
  // The histogram records the time between its 10 ms sampling timer's runs, so the interval itself is
  // subtracted: what remains is how late the loop was.
  eventLoopDelayMs: { p50: lateness(eld.percentile(50)), p99: lateness(eld.percentile(99)), max: lateness(eld.max) },
  timers: { before: timersBefore, whilePending: timersPending },
  settled: {
    heapMB: round(settled.heapUsed / MB, 1),
    heapAboveBaselineMB: round((settled.heapUsed - base.heapUsed) / MB, 1),
    resultCacheEntries: s.cached,
    heapPerCachedResultBytes: s.cached > 0 ? round((settled.heapUsed - base.heapUsed) / s.cached, 0) : null,
    rssMB: round(settled.rss / MB, 0),
  },
  completed: s.completed,
  failed: s.failed,
  violations: sim.violations,
};
note(`${count} tasks: heap ${result.heapPerPendingTaskBytes} B/task, RSS ${result.rssPendingMB} MB, ELD p99 ${result.eventLoopDelayMs.p99} ms`);
emitResult(result);
