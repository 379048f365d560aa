// Scenario 4: the same compressed workload watched by a peer polling library, one poller per task, as
// their documentation shows. The peers use real timers, so their configured delays are divided by the
// compression factor; their results are then in provider time like kie-watcher's.
import http from 'node:http';
import { createWaiter, WaiterState } from '@smithy/util-waiter';
import { createHttpPoller } from '@azure/core-lro';
import { classifyBody, driveWorkload } from '../lib/drive.mjs';
import { emitResult, note } from '../lib/metrics.mjs';

const cfg = JSON.parse(process.argv[2]);
const { url, peer, timeScale, t0, timeoutMs } = cfg;
const HEADERS = { authorization: 'Bearer sim-key', accept: 'application/json', 'user-agent': `kie-watcher-bench-${peer}` };
const recordUrl = (taskId) => `${url}/api/v1/gpt4o-image/record-info?taskId=${encodeURIComponent(taskId)}`;

// AWS and Azure SDKs send through node:http with a keep-alive agent (NodeHttpHandler, core-rest-pipeline);
// the peers get the same, with 64 sockets like kie-watcher's in-flight cap.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function getJson(target) {
  return new Promise((resolve, reject) => {
    const req = http.get(target, { agent, headers: HEADERS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        try {
          resolve({ statusCode: res.statusCode, body: JSON.parse(text) });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const PEERS = {
  // (b) @smithy/util-waiter: the AWS SDK's waiter loop with its defaults, minDelay 2 s, maxDelay 120 s.
  smithy: (taskId) =>
    createWaiter({ client: {}, maxWaitTime: timeoutMs / 1000 / timeScale, minDelay: 2 / timeScale, maxDelay: 120 / timeScale }, taskId, async (_client, id) => {
      try {
        const { body } = await getJson(recordUrl(id));
        const state = classifyBody(body);
        return { state: state === 'completed' ? WaiterState.SUCCESS : state === 'failed' ? WaiterState.FAILURE : WaiterState.RETRY, reason: body };
      } catch (err) {
        return { state: WaiterState.RETRY, reason: err };
      }
    }).then((r) => (r.state === WaiterState.SUCCESS ? 'completed' : r.state === WaiterState.FAILURE ? 'failed' : r.state === WaiterState.TIMEOUT ? 'timeout' : 'error')),

  // (c) @azure/core-lro createHttpPoller with its default 2 s interval; the KIE task is presented as an
  // operation-location LRO whose status field maps GENERATING/SUCCESS/failures to running/succeeded/failed.
  azure: async (taskId) => {
    const poller = createHttpPoller(
      {
        sendInitialRequest: async () => ({
          flatResponse: {},
          rawResponse: { statusCode: 202, request: { method: 'POST', url: `${url}/api/v1/gpt4o-image/generate` }, headers: { 'operation-location': recordUrl(taskId) }, body: {} },
        }),
        sendPollRequest: async (path) => {
          const { statusCode, body } = await getJson(path);
          const state = classifyBody(body);
          const status = state === 'completed' ? 'Succeeded' : state === 'failed' ? 'Failed' : 'Running';
          const error = state === 'failed' ? { code: String(body.data.errorCode), message: body.data.errorMessage || 'failed' } : undefined;
          return { flatResponse: body, rawResponse: { statusCode, request: { method: 'GET', url: path }, headers: {}, body: { status, error } } };
        },
      },
      { intervalInMs: 2_000 / timeScale },
    );
    try {
      await poller.pollUntilDone({ abortSignal: globalThis.AbortSignal.timeout(Math.round(timeoutMs / timeScale)) });
      return 'completed';
    } catch (err) {
      if (poller.operationState?.status === 'failed') return 'failed';
      if (process.env.BENCH_DEBUG) console.error(err);
      return err?.name === 'AbortError' || err?.name === 'TimeoutError' ? 'timeout' : 'error';
    }
  },

  // (d) what public KIE clients do: setInterval every second, global fetch, stop on a final status.
  naive: (taskId) =>
    new Promise((resolve) => {
      const finish = (outcome) => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(outcome);
      };
      const timer = setInterval(async () => {
        try {
          const res = await globalThis.fetch(recordUrl(taskId), { headers: HEADERS });
          const state = classifyBody(await res.json());
          if (state !== 'pending') finish(state);
        } catch {
          // a failed poll is simply retried at the next tick, as in the clients this copies
        }
      }, 1_000 / timeScale);
      const deadline = setTimeout(() => finish('timeout'), timeoutMs / timeScale);
    }),
};

if (!(peer in PEERS)) throw new Error(`unknown peer ${peer}`);
const result = await driveWorkload({ url, workload: cfg.tasks, timeScale, t0 }, PEERS[peer]);
agent.destroy();
note(`${peer}: ${result.requests} requests, p95 delay ${result.delayMs.p95} ms, ${result.violations} violations, ${result.cpuSeconds} CPU s`);
emitResult({ peer, ...result });
