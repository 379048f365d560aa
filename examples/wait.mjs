// Wait for one task. Runs against the bundled simulator; point baseUrl at https://api.kie.ai for real tasks.
// Run: npm run build && node examples/wait.mjs
import { TaskWatcher } from 'kie-watcher';
import { startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
const [taskId] = sim.addTasks([{ durationMs: 3_000, outcome: 'SUCCESS' }]);

const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url });
try {
  const result = await watcher.waitForCompletion(taskId, {
    timeoutMs: 60_000,
    onProgress: (e) => console.log(`${e.taskId}: ${Math.round(e.progress * 100)}% ${e.status}`),
  });
  console.log('done:', result.resultUrls);
} finally {
  await watcher.close();
  await sim.close();
}
