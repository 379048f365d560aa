// The serverless row's callback receiver: a process with no watcher, only a RedisCoordinator behind
// createFetchCallbackHandler, served on node:http the way a platform hands it Requests. It records when each
// task's first callback arrived (real ms) and prints them on stdin's end.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createFetchCallbackHandler } from '../dist/callbacks/index.js';
import { RedisCoordinator } from '../dist/redis/index.js';

const { socket, apiKey, hmacKey } = JSON.parse(process.argv[2]);
const coordinator = new RedisCoordinator({ redis: socket, apiKey });
const POST = createFetchCallbackHandler(coordinator, { hmacKey });
const firstAt = {};
let answers = 0;

const server = createServer(async (req, res) => {
  const receivedAt = Date.now();
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: Object.entries(req.headers).map(([k, v]) => [k, String(v)]), body: Readable.from([body]), duplex: 'half' });
  const response = await POST(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(await response.text());
  answers += 1;
  const taskId = JSON.parse(body.toString()).data?.taskId;
  if (response.status === 200 && typeof taskId === 'string') firstAt[taskId] ??= receivedAt;
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.stdin.resume();
process.stdin.on('end', async () => {
  process.stdout.write(`${JSON.stringify({ firstAt, answers })}\n`);
  server.close();
  server.closeAllConnections();
  await coordinator.close();
});
