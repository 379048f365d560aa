// Issue 18's frontier rows, kept apart from the policy rows of bench/run.mjs's frontier():
// - `callbacksDelivered10`: a fresh watcher's first 10 tasks with every callback delivered (the frontier's
//   scenario and compression, 10 tasks arriving within 30 s of provider time): callbacks that pay from the first task;
// - `serverless` and its twin `serverlessInProcess`: the same real-time workload (no compression: the fleet's
//   timers, the Redis round trips and the callback's trip are real), callbacks received by a process holding only
//   a RedisCoordinator (bench/serverless-function.mjs) and waited for by a watcher on the fleet in another, or
//   both in one process; callback -> settled is real ms.
import { round } from './lib/metrics.mjs';
import { runScenario, withSim } from './lib/proc.mjs';

/** The real-time workload of the serverless rows: provider-shaped durations up to a minute, arriving over a minute. */
export const SERVERLESS_WORKLOAD = { count: 60, seed: 42, maxDurationMs: 60_000, spreadMs: 60_000 };

export async function callbackRows(w, workloadRun, log) {
  const out = {};
  log('   callbacks from the first task: 10 tasks, every callback delivered');
  out.callbacksDelivered10 = await workloadRun('frontier', 'callbacksDelivered', { count: 10, seed: 42, maxDurationMs: w.maxDurationMs, spreadMs: 30_000 }, w);
  for (const mode of ['serverlessInProcess', 'serverless']) {
    log(`   ${mode}: ${SERVERLESS_WORKLOAD.count} tasks in real time`);
    const t0 = Date.now();
    out[mode] = await withSim({ timeScale: 1, t0 }, (sim) =>
      runScenario('serverless', { url: sim.url, t0, timeoutMs: 300_000, tasks: SERVERLESS_WORKLOAD, mode: mode === 'serverless' ? 'serverless' : 'inProcess' }),
    );
  }
  return out;
}

/** Issue 18's goals, each judged against rows of the same run. */
export function callbackRowsTarget(f) {
  const ten = f.callbacksDelivered10;
  const d = f.callbacksDelivered;
  const s = f.serverless;
  const i = f.serverlessInProcess;
  return {
    first10: { requestsPerTask: ten.requestsPerTask, met: ten.requestsPerTask <= 3.5 },
    delivered: { requestsPerTask: d.requestsPerTask, p95: d.delayMs.p95, met: d.requestsPerTask <= 3 && d.delayMs.p95 <= 500 },
    serverless: {
      p95: s.callbackToSettledMs.p95,
      requestsRatio: round(s.requestsPerTask / i.requestsPerTask, 2),
      met: s.callbackToSettledMs.p95 <= 1_000 && s.requestsPerTask <= i.requestsPerTask * 1.1,
    },
  };
}

const yes = (b) => (b ? '**met**' : '**not met**');
const sec = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

/** The docs block `<!-- bench:callbackRows -->` of docs/performance.md. */
export function callbackRowsText(f) {
  if (!f.callbacksDelivered10 || !f.serverless || !f.serverlessInProcess) return undefined;
  const t = callbackRowsTarget(f);
  const row = (label, r, cb) => `| ${label} | ${r.tasks} | ${r.requestsPerTask.toFixed(1)} | ${sec(r.delayMs.p50)} | ${sec(r.delayMs.p95)} | ${cb ? `${sec(r.callbackToSettledMs.p50)} / ${sec(r.callbackToSettledMs.p95)}` : 'n/a'} | ${r.violations} |`;
  return [
    '| run | tasks | requests / task | delay p50 | delay p95 | callback to settled p50 / p95 (real) | violations |',
    '|---|---|---|---|---|---|---|',
    row('callbacks, all delivered, a fresh watcher\'s first 10 tasks (40x)', f.callbacksDelivered10, false),
    row('callbacks, all delivered, 600 tasks (40x; the row above)', f.callbacksDelivered, false),
    row('real time, handler and watcher in one process', f.serverlessInProcess, true),
    row('**serverless**: handler with only a `RedisCoordinator` in one process, the watcher on the fleet in another', f.serverless, true),
    '',
    `Targets (issue 18): first 10 tasks at most 3.5 requests each: ${t.first10.requestsPerTask} ${yes(t.first10.met)}; 600 tasks at most 3 and p95 at most 0.5 s: ${t.delivered.requestsPerTask}, ${sec(t.delivered.p95)} ${yes(t.delivered.met)}; serverless p95 callback to settled at most 1 s and requests within 10% of the in-process row: ${sec(t.serverless.p95)}, ratio ${t.serverless.requestsRatio} ${yes(t.serverless.met)}.`,
  ].join('\n');
}
