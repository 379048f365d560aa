// The Next.js route in examples/callbacks-nextjs/, run the way Next.js runs it: its POST export gets each web
// Request and returns a Response. Against the bundled simulator, which calls back like KIE (signed, late,
// sometimes twice). Run: npm run build && node examples/callbacks-nextjs.mjs
import { startSimulator } from 'kie-watcher/simulator';
import { serveFetch } from './lib/serve-fetch.mjs';

const sim = await startSimulator({
  apiKey: 'demo-key',
  callbackHmacKey: 'demo-webhook-hmac-key',
  callbacks: { delayMs: [50, 300], duplicateRate: 0.5 },
});
// What the route reads from the environment (.env.local in a Next.js app).
process.env.KIE_API_KEY = 'demo-key';
process.env.KIE_BASE_URL = sim.url;
process.env.KIE_WEBHOOK_HMAC_KEY = 'demo-webhook-hmac-key';
const { POST } = await import('./callbacks-nextjs/app/api/kie/callback/route.js');
const { watcher } = await import('./callbacks-nextjs/lib/kie.js');

const server = await serveFetch((request) => (new URL(request.url).pathname === '/api/kie/callback' ? POST(request) : new Response(null, { status: 404 })));
const callBackUrl = `${server.url}/api/kie/callback`;

// Anywhere in the app (a server action, another route): create the task with callBackUrl, then wait.
const [taskId] = sim.addTasks([{ durationMs: 1_000, outcome: 'SUCCESS', callBackUrl }]);
const result = await watcher.waitForCompletion(taskId, { timeoutMs: 30_000 });
const { stats } = sim.callbackLog();
console.log(`${taskId}: called back through the Next.js route, confirmed by polling: ${result.status} ${result.resultUrls.join(' ')} after ${sim.taskStats(taskId).requests} requests`);
console.log(`callback deliveries answered 200: ${stats.delivered}`);

POST.close();
await server.close();
await watcher.close();
await sim.close();
