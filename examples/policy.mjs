// A custom polling policy: the function gets the task's state and returns the delay to the next poll.
// The watcher clamps it to the per-task rate limit, so a policy cannot break the 3 requests/s rule.
// Run: npm run build && node examples/policy.mjs
import { TaskWatcher, adaptivePolicy } from 'kie-watcher';
import { startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
const [taskId] = sim.addTasks([{ durationMs: 4_000, outcome: 'SUCCESS', progressSteps: 6 }]);

const watcher = new TaskWatcher({
  apiKey: 'demo-key',
  baseUrl: sim.url,
  // Poll every 250 ms in the last 20% (clamped to ~374 ms by the limiter), otherwise as the default would.
  policy: (state) => (state.progress !== null && state.progress >= 0.8 ? 250 : adaptivePolicy(state)),
});
const result = await watcher.waitForCompletion(taskId);
console.log(result.status, 'after', sim.taskStats(taskId).requests, 'requests');
await watcher.close();
await sim.close();
