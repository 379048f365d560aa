// Several worker processes, one set of taskIds: give each taskId to exactly one worker.
// Three watchers stand in for three processes here (each has its own rate limiter, as a process would);
// first they all watch every task, then each watches its shard. The simulator counts the requests that
// went over 3 per second for one task.
// Run: npm run build && node examples/sharding.mjs
import { createHash } from 'node:crypto';
import { TaskWatcher } from 'kie-watcher';
import { startSimulator } from 'kie-watcher/simulator';

/** A stable shard: the same taskId maps to the same worker in every process and after every restart. */
function shardOf(taskId, shards) {
  return createHash('sha256').update(taskId).digest().readUInt32BE(0) % shards;
}

const WORKERS = 3;

async function run(label, shouldWatch) {
  const sim = await startSimulator({ apiKey: 'demo-key' });
  const ids = sim.addTasks(Array.from({ length: 20 }, (_, i) => ({ durationMs: 1_500 + 100 * i, outcome: 'SUCCESS' })));
  // A short back-off cap only so the demonstration ends quickly after the 429s that the overlap provokes.
  const options = { apiKey: 'demo-key', baseUrl: sim.url, policy: 'fastest', retry: { maxDelayMs: 2_000 } };
  const workers = Array.from({ length: WORKERS }, () => new TaskWatcher(options));
  await Promise.all(
    workers.map((watcher, worker) => Promise.all(ids.filter((id) => shouldWatch(id, worker)).map((id) => watcher.waitForCompletion(id)))),
  );
  const { requests, violations } = sim.stats();
  console.log(`${label}: ${requests} requests, ${violations} over the per-task limit`);
  await Promise.all(workers.map((w) => w.close()));
  await sim.close();
}

await run('every worker watches every task', () => true);
await run('each task on one worker (sha256 % 3)', (id, worker) => shardOf(id, WORKERS) === worker);
