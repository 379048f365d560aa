// The serverless callback row and its in-process twin, in real time (no compression: the fleet's own timers, the
// Redis round trips and the callback's trip are all real). `mode`:
// - 'inProcess': one watcher (expectCallbacks) with createCallbackHandler on node:http in this process;
// - 'serverless': the watcher on a RedisCoordinator in this process, and the callbacks received by another
//   process (bench/serverless-function.mjs) that holds only a RedisCoordinator behind createFetchCallbackHandler.
// Besides the frontier's figures it reports callback -> settled (real ms, from the first callback's arrival at
// the receiver to the waiter settling).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TaskFailedError, TaskWatcher, WatchTimeoutError } from '../../dist/index.js';
import { createCallbackHandler } from '../../dist/callbacks/index.js';
import { RedisCoordinator } from '../../dist/redis/index.js';
import { driveWorkload } from '../lib/drive.mjs';
import { emitResult, note, round, summarize } from '../lib/metrics.mjs';
import { configureCallbacks, simCallbacks } from '../lib/sim-client.mjs';

const BENCH = fileURLToPath(new URL('..', import.meta.url));
const cfg = JSON.parse(process.argv[2]);
const { url, t0, timeoutMs, mode } = cfg;
const hmacKey = randomBytes(32).toString('base64url');
await configureCallbacks(url, { hmacKey, lossRate: 0, tickMs: 1 });

const settledAt = {};
const cleanups = [];
let firstAt = {};
let callBackUrl;
let watcher;

if (mode === 'inProcess') {
  watcher = new TaskWatcher({ apiKey: 'sim-key', baseUrl: url, timeoutMs, expectCallbacks: true });
  const handler = createCallbackHandler(
    { poke: (taskId, o) => ((firstAt[taskId] ??= Date.now()), watcher.poke(taskId, o)) },
    { hmacKey },
  );
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  callBackUrl = `http://127.0.0.1:${server.address().port}/kie/callback`;
  cleanups.push(() => {
    handler.close();
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kie-bench-redis-'));
  const socket = join(dir, 'redis.sock');
  const redis = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    redis.stdout.on('data', (c) => (out += c) && /ready to accept connections/i.test(out) && resolve());
    redis.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  const coordinator = new RedisCoordinator({ redis: socket });
  watcher = new TaskWatcher({ apiKey: 'sim-key', baseUrl: url, timeoutMs, expectCallbacks: true, coordinator });
  const fn = spawn(process.execPath, [`${BENCH}serverless-function.mjs`, JSON.stringify({ socket, apiKey: 'sim-key', hmacKey })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: fn.stdout });
  const [first] = await once(lines, 'line');
  callBackUrl = `http://127.0.0.1:${JSON.parse(first).port}/api/kie/callback`;
  cleanups.push(async () => {
    const last = once(lines, 'line');
    fn.stdin.end();
    firstAt = JSON.parse((await last)[0]).firstAt;
    await once(fn, 'exit');
    redis.kill('SIGTERM');
    await once(redis, 'exit');
    rmSync(dir, { recursive: true, force: true });
  });
}

const watchTask = (taskId) =>
  watcher.waitForCompletion(taskId).then(
    () => ((settledAt[taskId] = Date.now()), 'completed'),
    (err) => ((settledAt[taskId] = Date.now()), err instanceof TaskFailedError ? 'failed' : err instanceof WatchTimeoutError ? 'timeout' : 'error'),
  );
const result = await driveWorkload({ url, workload: cfg.tasks, timeScale: 1, t0, callBackUrl }, watchTask);
const { stats } = await simCallbacks(url);
result.callbacks = { delivered: stats.delivered, lost: stats.lost, failed: stats.failed, attempts: stats.attempts };
await watcher.close();
for (const c of cleanups) await c();
const toSettle = Object.keys(settledAt).filter((id) => firstAt[id] !== undefined).map((id) => Math.max(0, settledAt[id] - firstAt[id]));
const d = summarize(toSettle);
result.callbackToSettledMs = { p50: round(d.p50, 0), p95: round(d.p95, 0), p99: round(d.p99, 0), max: round(d.max ?? Math.max(...toSettle), 0), n: d.n };
note(`${mode}: ${result.requestsPerTask} req/task, callback -> settled p95 ${result.callbackToSettledMs.p95} ms, ${result.violations} violations`);
emitResult({ mode, ...result });
