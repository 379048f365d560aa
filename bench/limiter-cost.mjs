// What per-task rate state costs with each candidate: kie-watcher's Map of GCRA numbers, one p-queue per
// task, one Bottleneck limiter per task (Bottleneck.Group), and a shared p-queue as the in-flight cap.
// Run: npm run build && node --expose-gc bench/limiter-cost.mjs   (writes bench/limiter-cost.json)
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Bottleneck from 'bottleneck';
import PQueue from 'p-queue';
import { MemoryTaskRateLimiter, paramsForWindow } from '../dist/index.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const KEYS = Number(process.env.KEYS ?? 100_000);
const params = paramsForWindow(3, 1000, 120);

function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function measure(name, build, hot) {
  const before = heap();
  const held = await build();
  const bytesPerKey = (heap() - before) / KEYS;
  const t0 = performance.now();
  const ops = await hot(held);
  const usPerOp = ((performance.now() - t0) * 1000) / ops;
  console.log(`${name}: ${bytesPerKey.toFixed(0)} B per task, ${usPerOp.toFixed(2)} µs per operation`);
  return { name, bytesPerTask: Math.round(bytesPerKey), usPerOperation: Number(usPerOp.toFixed(3)) };
}

const results = [];

results.push(
  await measure(
    'MemoryTaskRateLimiter (Map of GCRA TATs)',
    () => {
      const l = new MemoryTaskRateLimiter(params);
      for (let i = 0; i < KEYS; i++) l.take(`task-${i}`, 0);
      return l;
    },
    (l) => {
      let now = 1_000;
      for (let round = 0; round < 10; round++, now += 400) for (let i = 0; i < KEYS; i++) l.take(`task-${i}`, now);
      return 10 * KEYS;
    },
  ),
);

results.push(
  await measure(
    'p-queue per task (intervalCap 1, interval 374 ms)',
    () => Array.from({ length: KEYS }, () => new PQueue({ concurrency: 1, intervalCap: 1, interval: Math.ceil(params.intervalMs) })),
    async (queues) => {
      const n = Math.min(KEYS, 20_000);
      await Promise.all(queues.slice(0, n).map((q) => q.add(() => undefined)));
      return n;
    },
  ),
);

results.push(
  await measure(
    'Bottleneck.Group, one limiter per task (minTime 374 ms)',
    () => {
      const group = new Bottleneck.Group({ maxConcurrent: 1, minTime: Math.ceil(params.intervalMs) });
      for (let i = 0; i < KEYS; i++) group.key(`task-${i}`);
      return group;
    },
    async (group) => {
      const n = Math.min(KEYS, 5_000);
      await Promise.all(Array.from({ length: n }, (_, i) => group.key(`task-${i}`).schedule(() => Promise.resolve())));
      await group.disconnect?.();
      return n;
    },
  ),
);

results.push(
  await measure(
    'one shared p-queue (concurrency 64) as the in-flight cap, per queued poll',
    () => {
      const q = new PQueue({ concurrency: 64, autoStart: false });
      const done = [];
      for (let i = 0; i < KEYS; i++) done.push(q.add(() => undefined));
      return { q, done };
    },
    async ({ q, done }) => {
      q.start();
      await Promise.all(done);
      return KEYS;
    },
  ),
);

const out = { date: new Date().toISOString(), node: process.version, keys: KEYS, results };
writeFileSync(new URL('./limiter-cost.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
process.exit(0);
