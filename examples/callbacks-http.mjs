// Receive KIE callbacks on a plain node:http server and let them tell the watcher when to look.
// Runs against the bundled simulator, which calls back like KIE (signed, late, sometimes twice).
// Run: npm run build && node examples/callbacks-http.mjs
import { createServer } from 'node:http';
import { TaskWatcher } from 'kie-watcher';
import { createCallbackHandler } from 'kie-watcher/callbacks';
import { startSimulator } from 'kie-watcher/simulator';

const HMAC_KEY = 'demo-webhook-hmac-key'; // in production: the key from the KIE dashboard, from a secret store

const sim = await startSimulator({
  apiKey: 'demo-key',
  callbackHmacKey: HMAC_KEY,
  callbacks: { delayMs: [50, 300], duplicateRate: 0.5 },
});

// The tasks are created with a callBackUrl, so polling is only a safety net: the first poll at once, then
// slowly. Each callback pokes the watcher, which confirms the outcome with one poll (KIE does not sign the
// body, so the callback is only a hint); duplicates and replays poke nothing.
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url, expectCallbacks: true });
const handler = createCallbackHandler(watcher, { hmacKey: HMAC_KEY });
const server = createServer((req, res) => {
  if (req.url === '/kie/callback') handler(req, res);
  else res.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const callBackUrl = `http://127.0.0.1:${server.address().port}/kie/callback`;

// With the real API you pass callBackUrl when you create the task; the simulator takes it in the task spec.
const taskIds = sim.addTasks([
  { durationMs: 1_000, outcome: 'SUCCESS', callBackUrl },
  { durationMs: 1_500, outcome: 'MODERATED', callBackUrl },
]);
const outcomes = await Promise.allSettled(taskIds.map((taskId) => watcher.waitForCompletion(taskId, { timeoutMs: 30_000 })));
outcomes.forEach((outcome, i) => {
  const requests = sim.taskStats(taskIds[i]).requests;
  if (outcome.status === 'fulfilled') console.log(`${taskIds[i]}: ${outcome.value.status} ${outcome.value.resultUrls.join(' ')} after ${requests} requests`);
  else console.log(`${taskIds[i]}: ${outcome.reason.code} after ${requests} requests: ${outcome.reason.message}`);
});
const { stats } = sim.callbackLog();
console.log(`deliveries: ${stats.delivered} delivered, ${stats.failed} failed; record-info requests: ${sim.stats().requests}`);

handler.close();
await new Promise((resolve) => server.close(resolve));
await watcher.close();
await sim.close();
