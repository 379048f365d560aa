// Watch many tasks with one watcher: events for all of them, an async iterator for one.
// Run: npm run build && node examples/events.mjs
import { TaskWatcher } from 'kie-watcher';
import { scriptedTasks, startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
const ids = sim.addTasks(scriptedTasks(8, { seed: 4, minDurationMs: 1_000, maxDurationMs: 4_000, failureRate: 0.25 }));

const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url, policy: { intervalMs: 500 } });
watcher.on('completed', ({ taskId, result }) => console.log(`completed ${taskId}: ${result.resultUrls.length} image(s)`));
watcher.on('failed', ({ taskId, error }) => console.log(`failed ${taskId}: ${error.code} ${error.message}`));
watcher.on('retry', ({ taskId, reason, delayMs }) => console.log(`retry ${taskId} in ${delayMs} ms: ${reason}`));

for (const id of ids) watcher.watch(id);

// One task's updates as a stream; the loop ends when the task settles (a failure is thrown).
try {
  for await (const update of watcher.updates(ids[0])) console.log('update', update.type, update.type === 'progress' ? update.progress : '');
} catch (err) {
  console.log('first task did not succeed:', err.code);
}

await watcher.onIdle();
console.log(watcher.stats());
await watcher.close();
await sim.close();
