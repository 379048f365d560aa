// A worker that watches tasks until it is told to stop (SIGTERM from a process manager, or Ctrl-C): it stops
// taking work, lets what is nearly done finish, and hands over what is still pending. Runs against the bundled
// simulator; point baseUrl at https://api.kie.ai (and drop the simulator) for real tasks.
// Run: npm run build && node examples/worker.mjs   (then Ctrl-C, or kill -TERM <pid>)
import { TaskWatcher, isKieWatcherError } from 'kie-watcher';
import { startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
// A worker's backlog: two tasks about to finish, two that will outlive the shutdown.
const taskIds = sim.addTasks([
  { durationMs: 500, outcome: 'SUCCESS' },
  { durationMs: 1_000, outcome: 'SUCCESS' },
  { durationMs: 10 * 60_000, outcome: 'SUCCESS' },
  { durationMs: 10 * 60_000, outcome: 'SUCCESS' },
]);

const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url });

async function handle(taskId) {
  try {
    const result = await watcher.waitForCompletion(taskId);
    console.log(`done ${taskId} ${result.resultUrls[0]}`);
  } catch (err) {
    // Still waiting when the watcher closed: close() lists the task as pending; nothing to do here.
    if (isKieWatcherError(err) && err.code === 'KIE_WATCHER_CLOSED') return;
    console.log(`failed ${taskId} ${isKieWatcherError(err) ? err.code : err}`);
  }
}

let stopping;
function stop(signal) {
  stopping ??= (async () => {
    console.log(`${signal}: no new work; draining for up to 5 s`);
    // New waits are refused at once; pending tasks may finish for up to drainMs; then every wait still out
    // rejects with WatcherClosedError and close() resolves with the tasks that were still pending.
    const { pending } = await watcher.close({ drainMs: 5_000 });
    // Persist these (a queue, a table) and watch them again after the restart: never re-submit a task.
    console.log(`pending at shutdown: ${JSON.stringify(pending.map((p) => p.taskId))}`);
    await sim.close();
    process.exitCode = 0;
  })();
}
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));

console.log(`worker ${process.pid} watching ${JSON.stringify(taskIds)}`);
await Promise.all(taskIds.map(handle));
if (stopping) {
  await stopping;
} else {
  await watcher.close();
  await sim.close();
}
