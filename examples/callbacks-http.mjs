// Receive KIE callbacks on a plain node:http server, verify them, and let a watcher confirm each by polling.
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
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url });

// TaskWatcher#poke is on its way; until it lands, this stand-in confirms a hinted task with one wait on the
// real watcher. A callback is only a hint (KIE does not sign the body): the poll decides how the task ended.
const settled = new Map();
let allSettled;
const done = new Promise((resolve) => (allSettled = resolve));
const pokeTarget = {
  poke(taskId, { family } = {}) {
    if (settled.has(taskId)) return;
    settled.set(
      taskId,
      watcher.waitForCompletion(taskId, { timeoutMs: 30_000 }).then(
        (r) => console.log(`callback -> ${taskId}${family ? ` (${family})` : ''}: ${r.status} ${r.resultUrls.join(' ')}`),
        (e) => console.log(`callback -> ${taskId}: ${e.code} ${e.message}`),
      ),
    );
    if (settled.size === 2) Promise.all(settled.values()).then(allSettled);
  },
};

const handler = createCallbackHandler(pokeTarget, { hmacKey: HMAC_KEY });
const server = createServer((req, res) => {
  if (req.url === '/kie/callback') handler(req, res);
  else res.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const callBackUrl = `http://127.0.0.1:${server.address().port}/kie/callback`;

// With the real API you pass callBackUrl when you create the task; the simulator takes it in the task spec.
sim.addTasks([
  { durationMs: 1_000, outcome: 'SUCCESS', callBackUrl },
  { durationMs: 1_500, outcome: 'MODERATED', callBackUrl },
]);

await done;
const { stats } = sim.callbackLog();
console.log(`deliveries: ${stats.delivered} delivered, ${stats.failed} failed; record-info requests: ${sim.stats().requests}`);

handler.close();
await new Promise((resolve) => server.close(resolve));
await watcher.close();
await sim.close();
