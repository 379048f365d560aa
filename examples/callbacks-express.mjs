// The same handler as an Express route. It reads the body itself, so no body parser is needed in front of it;
// behind express.json() or express.raw() it uses what they left (see docs/callbacks.md).
// Run: npm run build && node examples/callbacks-express.mjs   (needs `npm install express`)
import express from 'express';
import { TaskWatcher } from 'kie-watcher';
import { createCallbackHandler } from 'kie-watcher/callbacks';
import { startSimulator } from 'kie-watcher/simulator';

const HMAC_KEY = 'demo-webhook-hmac-key';

const sim = await startSimulator({ apiKey: 'demo-key', callbackHmacKey: HMAC_KEY, callbacks: { delayMs: [50, 300] } });
// Callbacks expected: polling is a safety net, and each callback makes the watcher poll its task at once.
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url, expectCallbacks: true });
const handler = createCallbackHandler(watcher, { hmacKey: HMAC_KEY });

const app = express();
app.use(express.json()); // the rest of your app may parse JSON; the handler copes either way
app.post('/kie/callback', handler);
const server = await new Promise((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const callBackUrl = `http://127.0.0.1:${server.address().port}/kie/callback`;

const [taskId] = sim.addTasks([{ durationMs: 1_000, outcome: 'SUCCESS', callBackUrl }]);
const result = await watcher.waitForCompletion(taskId, { timeoutMs: 30_000 });
const requests = sim.taskStats(taskId).requests;
console.log(`${taskId}: called back through express, confirmed by polling: ${result.status} ${result.resultUrls.join(' ')} after ${requests} requests`);

handler.close();
server.closeAllConnections();
await new Promise((resolve) => server.close(resolve));
await watcher.close();
await sim.close();
