// What kie-watcher/metrics costs per poll, with and without the adapter subscribed.
//  1. the publish path alone: per poll the engine publishes `poll:start` and `poll:answer`, each behind a
//     `hasSubscribers` check; timed here exactly as the engine builds them, with nobody subscribed, with the
//     adapter on OpenTelemetry's no-op meter (channel dispatch + reading the message), and with the adapter
//     on an SDK MeterProvider (aggregation included);
//  2. a real watcher polling the simulator (in its own process, so only the watcher's CPU is counted): CPU
//     time per request, rounds alternating without and with the adapter + SDK.
// Run: npm run build && node bench/metrics-cost.mjs   (writes bench/metrics-cost.json; POLLS=, ROUNDS=, TASKS= to change)
import { channel } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createNoopMeter } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CHANNELS, TaskWatcher } from '../dist/index.js';
import { instrumentKieWatcher } from '../dist/metrics/index.js';
import { withSim } from './lib/proc.mjs';
import { addTasks } from './lib/sim-client.mjs';

const POLLS = Number(process.env.POLLS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TASKS = Number(process.env.TASKS ?? 300);

class PullReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => [Math.min(...xs), Math.max(...xs)];

// --- 1. the publish path ----------------------------------------------------------------------------
const start = channel(CHANNELS.pollStart);
const answer = channel(CHANNELS.pollAnswer);
const FAMILIES = ['gpt4o-image', 'market'];
const KINDS = ['pending', 'pending', 'pending', 'success'];
let sink = 0;

/** ns per poll: the two guarded publishes of one poll, as src/engine/engine.ts does them. */
function publishPath() {
  const t0 = performance.now();
  for (let i = 0; i < POLLS; i++) {
    const family = FAMILIES[i & 1];
    const taskId = `task-${i & 1023}`;
    if (start.hasSubscribers) start.publish({ family, taskId });
    if (answer.hasSubscribers) answer.publish({ family, taskId, kind: KINDS[i & 3], latencyMs: (i & 255) / 4 });
    sink += taskId.length;
  }
  return ((performance.now() - t0) * 1e6) / POLLS;
}

const conditions = {
  'nobody subscribed': () => ({ close() {} }),
  'adapter, no-op meter': () => instrumentKieWatcher({ meter: createNoopMeter() }),
  'adapter, SDK MeterProvider': () => {
    const provider = new MeterProvider({ readers: [new PullReader()] });
    const adapter = instrumentKieWatcher({ meter: provider.getMeter('bench') });
    return { close: () => (adapter.close(), provider.shutdown()) };
  },
};

const publish = {};
for (const name of Object.keys(conditions)) publish[name] = [];
publishPath(); // warm up the loop itself
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(conditions)) {
    const c = make();
    publishPath(); // warm up this condition
    publish[name].push(publishPath());
    await c.close();
  }
}
const publishRows = Object.entries(publish).map(([condition, ns]) => ({ condition, nsPerPoll: Number(median(ns).toFixed(1)), range: spread(ns).map((x) => Number(x.toFixed(1))) }));
console.log(`publish path, ${POLLS} polls x ${ROUNDS} rounds (median ns per poll, [min, max]):`);
for (const r of publishRows) console.log(`  ${r.condition.padEnd(28)} ${String(r.nsPerPoll).padStart(8)}  [${r.range.join(', ')}]`);

// --- 2. a real watcher ------------------------------------------------------------------------------
async function watchRound(url, withAdapter) {
  const specs = Array.from({ length: TASKS }, (_, i) => ({ durationMs: 1_000 + ((i * 37) % 1_000), outcome: 'SUCCESS' }));
  const ids = await addTasks(url, specs);
  const watcher = new TaskWatcher({ apiKey: 'sim-key', baseUrl: url, policy: 'fastest' });
  const provider = withAdapter ? new MeterProvider({ readers: [new PullReader()] }) : undefined;
  const adapter = provider ? instrumentKieWatcher({ meter: provider.getMeter('bench'), watcher }) : undefined;
  const cpu0 = process.cpuUsage();
  await Promise.all(ids.map((id) => watcher.waitForCompletion(id)));
  const cpu = process.cpuUsage(cpu0);
  const { requests } = watcher.stats();
  adapter?.close();
  await provider?.shutdown();
  await watcher.close();
  return { requests, usPerRequest: (cpu.user + cpu.system) / requests };
}

const watched = { without: [], with: [] };
let requests = 0;
await withSim({ seed: 5 }, async (sim) => {
  await watchRound(sim.url, false); // warm up: JIT, connections
  for (let round = 0; round < ROUNDS; round++) {
    for (const withAdapter of [false, true]) {
      const r = await watchRound(sim.url, withAdapter);
      requests += r.requests;
      watched[withAdapter ? 'with' : 'without'].push(r.usPerRequest);
    }
  }
});
const watchRows = Object.entries(watched).map(([condition, us]) => ({ condition: `${condition} the adapter`, cpuUsPerRequest: Number(median(us).toFixed(1)), range: spread(us).map((x) => Number(x.toFixed(1))) }));
console.log(`\nwatcher CPU against the simulator, ${TASKS} tasks x ${ROUNDS} rounds each (${requests} requests; median µs per request, [min, max]):`);
for (const r of watchRows) console.log(`  ${r.condition.padEnd(28)} ${String(r.cpuUsPerRequest).padStart(8)}  [${r.range.join(', ')}]`);

const out = { date: new Date().toISOString(), node: process.version, polls: POLLS, rounds: ROUNDS, tasks: TASKS, publishPath: publishRows, watcher: watchRows };
writeFileSync(new URL('./metrics-cost.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
if (sink < 0) console.log(sink);
process.exit(0);
