// Scenario 1, the throughput ceiling. Two modes, each in its own process against the same simulator:
// - "bare": an undici Pool loop (16 keep-alive connections, 64 requests in flight, the watcher's own
//   headers) issuing record-info GETs round-robin over the tasks as fast as it can: the HTTP ceiling;
// - "watcher": the full TaskWatcher path (scheduler, GCRA, HTTP, JSON, zod, classification, events)
//   polling the same always-GENERATING tasks with policy 'fastest'.
// Both count only a steady window after a warm-up (connections open, JIT warm) and read rate
// violations from the simulator, whose per-task window stays at its default 3 per 1000 ms.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { cpuMsSince, emitResult, note, round } from '../lib/metrics.mjs';
import { resetStats, simStats, simTasks } from '../lib/sim-client.mjs';

const cfg = JSON.parse(process.argv[2]);
const { url, mode, warmupMs, windowMs } = cfg;
const taskIds = (await simTasks(url)).map((t) => t.taskId);
const HEADERS = { authorization: 'Bearer sim-key', accept: 'application/json', 'user-agent': 'kie-watcher-bench' };

async function measureWindow(count) {
  await sleep(warmupMs);
  await resetStats(url);
  const c0 = count();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(windowMs);
  const elapsed = performance.now() - t0;
  const done = count() - c0;
  const cpuMs = cpuMsSince(cpu0);
  const stats = await simStats(url);
  return {
    perSecond: round((done * 1000) / elapsed, 0),
    cpuMsPer1000: round((cpuMs * 1000) / done, 1),
    cpuPercent: round((cpuMs / elapsed) * 100, 0),
    violations: stats.violations,
    maxRequestsInWindow: stats.maxRequestsInWindow,
  };
}

if (mode === 'bare') {
  const pool = new Pool(new URL(url).origin, { connections: 16, keepAliveTimeout: 10_000 });
  let sent = 0;
  let completed = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const taskId = taskIds[sent++ % taskIds.length];
      const res = await pool.request({ path: `/api/v1/gpt4o-image/record-info?taskId=${taskId}`, method: 'GET', headers: HEADERS });
      await res.body.text();
      completed += 1;
    }
  };
  const workers = Array.from({ length: cfg.concurrency ?? 64 }, worker);
  const result = await measureWindow(() => completed);
  stop = true;
  await Promise.all(workers);
  await pool.close();
  note(`bare undici Pool: ${result.perSecond} GET/s`);
  emitResult({ mode, tasks: taskIds.length, ...result });
} else {
  // `dist` lets bench/ceiling-ab.mjs run another build (an earlier commit's) in the same conditions.
  const { TaskWatcher, LearnedPolicy } = await import(cfg.dist ?? '../../dist/index.js');
  // bench/policy-cost.mjs: the learned policy's decision on every poll, at the ceiling's rate, against a function
  // policy that returns the same delay without it.
  const learned = cfg.policy === 'learned' ? new LearnedPolicy(3_000) : null;
  const policy = cfg.policy === undefined ? 'fastest' : learned === null ? (s) => s.minIntervalMs : (s) => Math.min(s.minIntervalMs, learned.delay(s));
  const watcher = new TaskWatcher({
    apiKey: 'sim-key',
    baseUrl: url,
    policy,
    maxInFlight: cfg.maxInFlight ?? 64,
    ...(cfg.connections === undefined ? {} : { connections: cfg.connections }),
  });
  for (const id of taskIds) watcher.watch(id);
  const result = await measureWindow(() => watcher.stats().polls);
  const s = watcher.stats();
  await watcher.close();
  note(`watcher (fastest): ${result.perSecond} polls/s`);
  emitResult({ mode, tasks: taskIds.length, retries: s.retries, rateLimited: s.rateLimited, ...result });
}
