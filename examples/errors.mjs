// Tell the outcomes apart by error class or `code`. A watcher timeout is not a task failure: never re-submit.
// Run: npm run build && node examples/errors.mjs
import { AbortError, KieApiError, TaskFailedError, TaskWatcher, WatchTimeoutError } from 'kie-watcher';
import { startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
const [ok, failed, slow, aborted] = sim.addTasks([
  { durationMs: 1_000, outcome: 'SUCCESS' },
  { durationMs: 1_000, outcome: 'GENERATE_FAILED', errorCode: 400, errorMessage: 'content policy' },
  { durationMs: 60_000, outcome: 'SUCCESS' },
  { durationMs: 60_000, outcome: 'SUCCESS' },
]);
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url });

async function report(taskId, options) {
  try {
    const r = await watcher.waitForCompletion(taskId, options);
    console.log(taskId, 'SUCCESS', r.resultUrls);
  } catch (err) {
    if (err instanceof TaskFailedError) console.log(taskId, 'failed:', err.status, err.errorCode, err.errorMessage);
    else if (err instanceof WatchTimeoutError) console.log(taskId, 'still running after', err.timeoutMs, 'ms; last progress', err.lastProgress);
    else if (err instanceof AbortError) console.log(taskId, 'aborted by the caller');
    else if (err instanceof KieApiError) console.log(taskId, 'API refused:', err.providerCode, err.providerMessage);
    else throw err;
  }
}

await Promise.all([
  report(ok),
  report(failed),
  report(slow, { timeoutMs: 2_000 }),
  report(aborted, { signal: AbortSignal.timeout(1_500) }),
]);
await watcher.close();
await sim.close();
