// One process of the benchmarked fleet: a TaskWatcher on a RedisCoordinator (the built package), driven by
// its parent over IPC. It reports when each task it waits for settled, so the parent can measure how long a
// result takes to reach the processes that did not poll it.
import { Redis } from 'ioredis';
import { TaskWatcher } from '../../dist/index.js';
import { RedisCoordinator } from '../../dist/redis/index.js';

const cfg = JSON.parse(process.env.FLEET_BENCH ?? '{}');
const redis = new Redis({ path: cfg.socket, maxRetriesPerRequest: 0, enableOfflineQueue: false });
redis.on('error', () => undefined);
const watcher = new TaskWatcher({
  apiKey: 'sim-key',
  baseUrl: cfg.url,
  policy: cfg.policy ?? 'fastest',
  maxInFlight: cfg.maxInFlight ?? 64,
  requestTimeoutMs: cfg.requestTimeoutMs ?? 15_000,
  coordinator: new RedisCoordinator({ redis, ...(cfg.leaseMs ? { leaseMs: cfg.leaseMs } : {}) }),
});
const send = (m) => process.connected && process.send(m);
const settled = [];
process.on('message', (m) => {
  if (m.cmd === 'watch') for (const id of m.ids) watcher.watch(id, { timeoutMs: m.timeoutMs ?? 3_600_000 });
  else if (m.cmd === 'wait') {
    for (const id of m.ids) {
      watcher.waitForCompletion(id, { timeoutMs: m.timeoutMs ?? 3_600_000 }).then(
        () => settled.push([id, Date.now()]),
        () => settled.push([id, -1]),
      );
    }
  } else if (m.cmd === 'report') send({ type: 'report', settled, stats: watcher.stats(), cpu: process.cpuUsage() });
  else if (m.cmd === 'close') {
    watcher.close().then(() => {
      redis.disconnect();
      send({ type: 'closed' });
      process.disconnect();
    });
  }
});
send({ type: 'ready' });
