// Drives one compressed workload run inside a scenario process: creates each task in the simulator at
// its arrival time, hands it to the poller under test, records when the poller reported a final state,
// and joins that with the simulator's own per-task counters (requests, violations, finalAt).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMsSince, round, summarize } from './metrics.mjs';
import { addTasks, simStats, simTasks } from './sim-client.mjs';
import { scaledEpoch } from './clock.mjs';
import { providerWorkload } from './workload.mjs';

/**
 * `watchTask(taskId, spec, createdAt)` must resolve to 'completed' | 'failed' | 'timeout' | 'error' once the
 * poller under test has settled the task (all times are provider-time epoch ms). With `callBackUrl`, every task is
 * created with it, as a KIE task created with `callBackUrl` would be.
 */
export async function driveWorkload({ url, workload, timeScale, t0, tickMs = 250, callBackUrl }, watchTask) {
  const { count, ...workloadOptions } = workload;
  const tasks = providerWorkload(count, workloadOptions);
  const epochNow = scaledEpoch(t0, timeScale);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const start = epochNow();
  const settled = new Map();
  const outcomes = { completed: 0, failed: 0, timeout: 0, error: 0 };
  const pending = [];
  let next = 0;
  // Create arrivals in small batches on a provider-time tick: one POST per tick keeps creation cheap and
  // identical for every poller under test.
  while (next < tasks.length) {
    const elapsed = epochNow() - start;
    const batch = [];
    while (next < tasks.length && tasks[next].arriveAtMs <= elapsed) batch.push(tasks[next++]);
    if (batch.length > 0) {
      const ids = await addTasks(url, batch.map((t) => (callBackUrl === undefined ? t.spec : { ...t.spec, callBackUrl })));
      const createdAt = epochNow();
      ids.forEach((taskId, i) => {
        const p = watchTask(taskId, batch[i].spec, createdAt).then(
          (outcome) => {
            outcomes[outcome] += 1;
            settled.set(taskId, { outcome, at: epochNow() });
          },
          () => {
            outcomes.error += 1;
            settled.set(taskId, { outcome: 'error', at: epochNow() });
          },
        );
        pending.push(p);
      });
    }
    if (next < tasks.length) await sleep(Math.max(1, tickMs / timeScale));
  }
  await Promise.all(pending);
  const cpuMs = cpuMsSince(cpu0);
  const wallMs = performance.now() - wall0;
  const per = await simTasks(url);
  const global = await simStats(url);
  const delays = [];
  let requests = 0;
  for (const t of per) {
    requests += t.requests;
    const s = settled.get(t.taskId);
    // Detection delay: from the simulator's final time to the moment the poller settled, both in provider
    // time. Only tasks that really ended and were reported as ended count (not NEVER/timeouts).
    if (s && t.finalAt !== null && (s.outcome === 'completed' || s.outcome === 'failed')) delays.push(Math.max(0, s.at - t.finalAt));
  }
  const d = summarize(delays);
  return {
    tasks: per.length,
    requests,
    requestsPerTask: round(requests / per.length, 2),
    violations: global.violations,
    maxRequestsInWindow: global.maxRequestsInWindow,
    outcomes,
    delayMs: { p50: round(d.p50, 0), p95: round(d.p95, 0), p99: round(d.p99, 0), mean: round(d.mean, 0), n: d.n },
    cpuSeconds: round(cpuMs / 1000, 2),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 0),
    wallSeconds: round(wallMs / 1000, 1),
    providerSeconds: round((wallMs * timeScale) / 1000, 0),
  };
}

/** The KIE record-info answer reduced to what every poller needs: is it final, and how. */
export function classifyBody(body) {
  if (!body || body.code !== 200 || !body.data) return 'pending';
  const { status, successFlag } = body.data;
  if (status === 'SUCCESS' || successFlag === 1) return 'completed';
  if (successFlag === 2 || successFlag === 3 || status === 'CREATE_TASK_FAILED' || status === 'GENERATE_FAILED') return 'failed';
  return 'pending';
}
