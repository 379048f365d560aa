// A Hono app receiving KIE callbacks. The same app runs on Bun (`export default app`), Deno
// (`Deno.serve(app.fetch)`), Cloudflare Workers and Node (`serve({ fetch: app.fetch })` from @hono/node-server);
// here a few lines of node:http stand in for that adapter. Against the bundled simulator.
// Run: npm run build && node examples/callbacks-hono.mjs   (needs `npm install hono`)
import { Hono } from 'hono';
import { TaskWatcher } from 'kie-watcher';
import { createFetchCallbackHandler } from 'kie-watcher/callbacks';
import { startSimulator } from 'kie-watcher/simulator';
import { serveFetch } from './lib/serve-fetch.mjs';

const HMAC_KEY = 'demo-webhook-hmac-key'; // in production: the key from the KIE dashboard, from a secret store

const sim = await startSimulator({ apiKey: 'demo-key', callbackHmacKey: HMAC_KEY, callbacks: { delayMs: [50, 300] } });
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url, expectCallbacks: true });
const onCallback = createFetchCallbackHandler(watcher, { hmacKey: HMAC_KEY });

const app = new Hono();
// c.req.raw is the web Request, body unread: the handler reads it once, with its cap. The body is only a hint
// (KIE signs the taskId and timestamp, not the body); the result comes from the watcher's confirming poll.
app.post('/kie/callback', (c) => onCallback(c.req.raw));

const server = await serveFetch(app.fetch);
const [done, failed] = sim.addTasks([
  { durationMs: 1_000, outcome: 'SUCCESS', callBackUrl: `${server.url}/kie/callback` },
  { durationMs: 1_200, outcome: 'MODERATED', callBackUrl: `${server.url}/kie/callback` },
]);
const [result, failure] = await Promise.allSettled([done, failed].map((taskId) => watcher.waitForCompletion(taskId, { timeoutMs: 30_000 })));
console.log(`${done}: called back through Hono, confirmed by polling: ${result.value.status} ${result.value.resultUrls.join(' ')} after ${sim.taskStats(done).requests} requests`);
console.log(`${failed}: ${failure.reason.code} after ${sim.taskStats(failed).requests} requests`);

onCallback.close();
await server.close();
await watcher.close();
await sim.close();
