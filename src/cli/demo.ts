import { randomBytes } from 'node:crypto';
import { DEFAULT_FAMILY, TaskWatcher } from '../index.js';
import { startSimulator, type KieSimulator } from '../simulator/index.js';
import type { DemoCommand } from './command.js';
import { startCallbackServer, type CallbackServer } from './callback-server.js';
import { makeLogger, makeReporter } from './context.js';
import { createAndSave, DEMO_CREATED_MS } from './demo-create.js';
import { scaledPolicy } from './demo-policy.js';
import { demoTasks, notAsScripted } from './demo-tasks.js';
import { EXIT } from './exit-codes.js';
import { redactor, sink, type CliIo } from './io.js';
import type { Reporter, Summary, WatchedTask } from './report.js';
import { exitCodeOf, summaryOf, watchAll } from './session.js';
import { optionsUsageError } from './usage.js';

/** Passes every report through, noting when each task's outcome was reported. */
function timing(inner: Reporter, reportedAt: Map<string, number>): Reporter {
  return {
    start: (tasks) => inner.start(tasks),
    progress: (id, p, status) => inner.progress(id, p, status),
    completed: (id, result, elapsedMs) => {
      reportedAt.set(id, Date.now());
      inner.completed(id, result, elapsedMs);
    },
    failed: (id, error, elapsedMs) => {
      reportedAt.set(id, Date.now());
      inner.failed(id, error, elapsedMs);
    },
    timeout: (id, error, elapsedMs) => inner.timeout(id, error, elapsedMs),
    retry: (e) => inner.retry(e),
    rateLimited: (e) => inner.rateLimited(e),
    message: (text) => inner.message(text),
    finish: (summary) => inner.finish(summary),
  };
}

/** From each reported task's end, by the simulator's clock, to its report: nearest-rank p50 and p95, and the max. */
function detection(simulator: KieSimulator, reportedAt: ReadonlyMap<string, number>): Summary['detectionMs'] {
  const delays: number[] = [];
  for (const [taskId, at] of reportedAt) {
    const finalAt = simulator.finalAt(taskId);
    if (finalAt !== null) delays.push(Math.max(0, at - finalAt));
  }
  if (delays.length === 0) return undefined;
  delays.sort((a, b) => a - b);
  const rank = (p: number): number => delays[Math.min(delays.length - 1, Math.max(0, Math.ceil(p * delays.length) - 1))] ?? 0;
  return { p50: rank(0.5), p95: rank(0.95), max: rank(1) };
}

export async function runDemo(cmd: DemoCommand, io: CliIo): Promise<number> {
  if (cmd.fleet !== undefined) {
    // Loaded only here: it needs ioredis, an optional peer dependency the plain demo must not require.
    const { runFleetDemo } = await import('./fleet/demo.js');
    return runFleetDemo(cmd, cmd.fleet, io);
  }
  // Fresh random keys: the demo exercises the same Authorization and signing paths as the real API, with
  // nothing to leak.
  const apiKey = `demo-${randomBytes(16).toString('hex')}`;
  const hmacKey = cmd.callbacks === undefined ? undefined : randomBytes(32).toString('base64url');
  const redact = redactor(apiKey, hmacKey);
  const out = sink(io.stdout, redact);
  const err = sink(io.stderr, redact);
  const logger = makeLogger(cmd.verbose, err);
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    apiKey,
    seed: cmd.seed,
    generate: { minDurationMs: DEMO_CREATED_MS.min / cmd.speed, maxDurationMs: DEMO_CREATED_MS.max / cmd.speed, failureRate: 0 },
    ...(cmd.verbose ? { logger: logger.child({ component: 'simulator' }) } : {}),
    ...(cmd.callbacks === undefined || hmacKey === undefined ? {} : { callbackHmacKey: hmacKey, callbacks: { lossRate: cmd.callbacks.lossRate } }),
  });
  let watcher: TaskWatcher | undefined;
  let callbacks: CallbackServer | undefined;
  try {
    let w: TaskWatcher;
    try {
      w = new TaskWatcher({
        apiKey,
        baseUrl: simulator.url,
        policy: scaledPolicy(cmd.policy, cmd.speed),
        logger,
        timeoutMs: cmd.timeoutMs,
        expectCallbacks: cmd.callbacks !== undefined,
      });
    } catch (e) {
      throw optionsUsageError(e, redact, 'demo');
    }
    watcher = w;
    // The handler listens before any task exists, so that no callback can come too early to be heard.
    if (cmd.callbacks) callbacks = await startCallbackServer(w, { host: '127.0.0.1', port: 0, hmacKey, logger: cmd.verbose ? logger : undefined, topic: 'demo' });
    const callBackUrl = callbacks === undefined ? undefined : `${callbacks.url}kie/callback`;
    const specs = demoTasks(cmd.tasks, cmd.seed, cmd.speed, cmd.families).map((s) => (callBackUrl === undefined ? s : { ...s, callBackUrl }));
    const scriptedFailures = specs.filter((s) => s.outcome !== 'SUCCESS').length;
    const taskIds = simulator.addTasks(specs);
    const tasks: WatchedTask[] = taskIds.map((taskId, i) => ({ taskId, family: specs[i]?.family ?? DEFAULT_FAMILY }));
    const reportedAt = new Map<string, number>();
    const reporter = timing(makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => w.stats().requests }), reportedAt);
    const of = cmd.families === undefined ? '' : ` of ${cmd.families.length === 1 ? 'family' : 'families'} ${cmd.families.join(', ')}`;
    reporter.message(`kie-watch demo: simulator at ${simulator.url}, ${taskIds.length} scripted tasks${of} (seed ${cmd.seed}, speed ${cmd.speed})`);
    if (callBackUrl !== undefined && cmd.callbacks) {
      reporter.message(`kie-watch demo: the simulator calls back to ${callBackUrl}, signed with a fresh key; ${Math.round(cmd.callbacks.lossRate * 100)}% of callbacks are lost`);
    }
    const result = await watchAll(w, tasks, reporter, { timeoutMs: cmd.timeoutMs, signal: io.signal, logger });
    const saved = result.stoppedBy === undefined ? await createAndSave(w, { keep: cmd.keep, json: cmd.json, families: cmd.families, say: (t) => reporter.message(t), out, signal: io.signal }) : true;
    await w.close();
    const violations = simulator.stats().violations;
    // The demo checks the watcher, not the tasks: its failures are scripted. It passes when every task ended
    // the way it was scripted to, and fails when one did not (or timed out). A stopped run says neither.
    const astray = notAsScripted(specs, taskIds, result.endings);
    const asScripted = astray.length === 0;
    let exitCode: number = result.stoppedBy !== undefined ? exitCodeOf(result) : asScripted && saved ? EXIT.ok : EXIT.failed;
    if (asScripted) {
      reporter.message(`kie-watch demo: every task ended as scripted (${scriptedFailures} of ${specs.length} were scripted to fail)`);
    } else if (result.stoppedBy === undefined) {
      const shown = astray.slice(0, 5).map((t) => `${t.taskId} (scripted ${t.scripted}, ended ${t.ended})`);
      reporter.message(`kie-watch demo: ${astray.length} of ${specs.length} tasks did not end as scripted: ${shown.join(', ')}${astray.length > 5 ? ', ...' : ''}`);
    }
    if (violations > 0) {
      // The whole point of the watcher is to stay inside the limit: a violation is a bug, never a pass.
      reporter.message(`kie-watch demo: the simulator counted ${violations} rate-limit violations; this is a bug in kie-watcher`);
      if (exitCode === EXIT.ok) exitCode = EXIT.failed;
    }
    const summary = summaryOf(result, exitCode, violations);
    if (cmd.callbacks === undefined) {
      reporter.finish(summary);
    } else {
      // What the callbacks bought: requests per task and how late each end was seen.
      const detectionMs = detection(simulator, reportedAt);
      const { delivered, lost, failed } = simulator.callbackLog().stats;
      reporter.finish({ ...summary, ...(detectionMs === undefined ? {} : { detectionMs }), callbacks: { delivered, lost, failed } });
    }
    return exitCode;
  } finally {
    await watcher?.close();
    await callbacks?.close();
    await simulator.close();
  }
}
