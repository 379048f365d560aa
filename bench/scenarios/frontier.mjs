// Scenario 3 (and kie-watcher's row of scenario 4): one polling policy watching the provider-shaped
// workload, time-compressed. The watcher gets a compressed Clock (bench/lib/clock.mjs), so the policy,
// the per-task rate limiter and the deadlines all run in provider time; only real timers are shortened.
//
// The `callbacks*` rows: every task is created with a callBackUrl that points at a `createCallbackHandler`
// mounted on a node:http server in this process; the simulator (its own process, same compressed clock)
// delivers signed callbacks to it, losing the configured share, and the handler pokes the watcher, which
// watches with `expectCallbacks: true` and the default policy (so its safety net).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Pool } from 'undici';
import { TaskWatcher, TaskFailedError, WatchTimeoutError } from '../../dist/index.js';
import { createCallbackHandler } from '../../dist/callbacks/index.js';
import { scaledClock, scaledEpoch } from '../lib/clock.mjs';
import { classifyBody, driveWorkload } from '../lib/drive.mjs';
import { emitResult, note } from '../lib/metrics.mjs';
import { proposalPolicy } from '../lib/proposal.mjs';
import { learnedRowPolicy } from '../lib/learned-rows.mjs';
import { configureCallbacks, simCallbacks } from '../lib/sim-client.mjs';

const cfg = JSON.parse(process.argv[2]);
const { url, policy, timeScale, t0, timeoutMs } = cfg;

/**
 * AWS SDK waiters (smithy createWaiter): attempt n waits a uniform random time in
 * [minDelay, min(maxDelay, minDelay * 2^(n-1))], and maxDelay once past log2(max/min)+1 attempts.
 */
function awsWaiterPolicy(minMs = 2_000, maxMs = 120_000) {
  const ceiling = Math.log(maxMs / minMs) / Math.log(2) + 1;
  return (state) => {
    const attempt = state.polls;
    if (attempt > ceiling) return maxMs;
    return minMs + Math.random() * (Math.min(maxMs, minMs * 2 ** (attempt - 1)) - minMs);
  };
}

const POLICIES = {
  fastest: 'fastest',
  fixed2s: { intervalMs: 2_000 },
  fixed10s: { intervalMs: 10_000 },
  awsExponential: awsWaiterPolicy(),
  adaptive: 'adaptive',
  proposal: proposalPolicy,
};

/** The callback rows: the share of callbacks the simulator loses. */
const CALLBACK_LOSS = { callbacksDelivered: 0, callbacksLost20: 0.2, callbacksLost: 1 };

let watchTask;
let close = async () => {};
if (policy === 'oracle') {
  // The oracle knows each task's end time and sends exactly one request, at that time (the task's creation
  // time is only known to be just before the create call returned, so the request can only be late, not
  // early). A never-ending task gets its one request at the deadline.
  const pool = new Pool(new URL(url).origin, { connections: 16 });
  const epochNow = scaledEpoch(t0, timeScale);
  const headers = { authorization: 'Bearer sim-key', accept: 'application/json', 'user-agent': 'kie-watcher-bench-oracle' };
  watchTask = async (taskId, spec, createdAt) => {
    const at = spec.outcome === 'NEVER' ? createdAt + timeoutMs : createdAt + spec.durationMs;
    // libuv timers are measured from the loop's cached time and may fire a little early in real time; the
    // compression magnifies that, so wait until the end time has really passed.
    while (epochNow() < at) await new Promise((resolve) => setTimeout(resolve, Math.max(1, (at - epochNow()) / timeScale)));
    const res = await pool.request({ path: `/api/v1/gpt4o-image/record-info?taskId=${taskId}`, method: 'GET', headers });
    const state = classifyBody(JSON.parse(await res.body.text()));
    return state === 'pending' ? 'timeout' : state;
  };
  close = () => pool.close();
} else {
  const withCallbacks = policy in CALLBACK_LOSS;
  const learnedRow = learnedRowPolicy(policy, cfg.tasks);
  if (!withCallbacks && learnedRow === undefined && !(policy in POLICIES)) throw new Error(`unknown policy ${policy}`);
  const watcher = new TaskWatcher({
    apiKey: 'sim-key',
    baseUrl: url,
    policy: withCallbacks ? 'adaptive' : (learnedRow ?? POLICIES[policy]),
    clock: scaledClock(t0, timeScale),
    timeoutMs,
    expectCallbacks: withCallbacks,
  });
  watchTask = (taskId) =>
    watcher.waitForCompletion(taskId).then(
      () => 'completed',
      (err) => (err instanceof TaskFailedError ? 'failed' : err instanceof WatchTimeoutError ? 'timeout' : 'error'),
    );
  close = () => watcher.close();
  if (withCallbacks) {
    // A fresh key per run, as a KIE dashboard key would be; the handler checks timestamps on the provider clock
    // the simulator signs with. tickMs 1: at 40x, the simulator's default 10 ms check would be 0.4 s of provider time.
    const hmacKey = randomBytes(32).toString('base64url');
    await configureCallbacks(url, { hmacKey, lossRate: CALLBACK_LOSS[policy], tickMs: 1 });
    const handler = createCallbackHandler(watcher, { hmacKey, now: scaledEpoch(t0, timeScale) });
    const server = createServer((req, res) => (req.url === '/kie/callback' ? handler(req, res) : res.writeHead(404).end()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cfg.callBackUrl = `http://127.0.0.1:${server.address().port}/kie/callback`;
    close = async () => {
      await watcher.close();
      handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
  }
}

const result = await driveWorkload({ url, workload: cfg.tasks, timeScale, t0, callBackUrl: cfg.callBackUrl }, watchTask);
if (cfg.callBackUrl !== undefined) {
  const { stats } = await simCallbacks(url);
  result.callbacks = { delivered: stats.delivered, lost: stats.lost, failed: stats.failed, attempts: stats.attempts };
}
await close();
note(`${policy}: ${result.requestsPerTask} req/task, p95 delay ${result.delayMs.p95} ms, ${result.violations} violations`);
emitResult({ policy, ...result });
