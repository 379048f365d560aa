import { randomBytes } from 'node:crypto';
import { TaskWatcher } from '../index.js';
import { scriptedTasks, startSimulator, type SimulatedTaskSpec } from '../simulator/index.js';
import type { DemoCommand } from './args.js';
import { makeLogger, makeReporter } from './context.js';
import { scaledPolicy } from './demo-policy.js';
import { EXIT } from './exit-codes.js';
import { redactor, sink, type CliIo } from './io.js';
import { exitCodeOf, summaryOf, watchAll } from './session.js';

export const DEMO_WORKLOAD = { failureRate: 0.15, minDurationMs: 3_000, maxDurationMs: 20_000 } as const;

/** The demo's tasks; exported so tests can tell in advance which ones fail. */
export function demoTasks(count: number, seed: number, speed: number): SimulatedTaskSpec[] {
  return scriptedTasks(count, {
    seed,
    failureRate: DEMO_WORKLOAD.failureRate,
    minDurationMs: DEMO_WORKLOAD.minDurationMs / speed,
    maxDurationMs: DEMO_WORKLOAD.maxDurationMs / speed,
  });
}

export async function runDemo(cmd: DemoCommand, io: CliIo): Promise<number> {
  // A fresh random key: the demo exercises the same Authorization path as the real API, with nothing to leak.
  const apiKey = `demo-${randomBytes(16).toString('hex')}`;
  const redact = redactor(apiKey);
  const out = sink(io.stdout, redact);
  const err = sink(io.stderr, redact);
  const logger = makeLogger(cmd.verbose, err);
  const simulator = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    apiKey,
    seed: cmd.seed,
    ...(cmd.verbose ? { logger: logger.child({ component: 'simulator' }) } : {}),
  });
  try {
    const specs = demoTasks(cmd.tasks, cmd.seed, cmd.speed);
    const scriptedFailures = specs.filter((s) => s.outcome !== 'SUCCESS').length;
    const taskIds = simulator.addTasks(specs);
    const watcher = new TaskWatcher({ apiKey, baseUrl: simulator.url, policy: scaledPolicy(cmd.policy, cmd.speed), logger, timeoutMs: cmd.timeoutMs });
    const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
    reporter.message(`kie-watch demo: simulator at ${simulator.url}, ${taskIds.length} scripted tasks (seed ${cmd.seed}, speed ${cmd.speed})`);
    let result;
    try {
      result = await watchAll(watcher, taskIds, reporter, { timeoutMs: cmd.timeoutMs, signal: io.signal, logger });
    } finally {
      await watcher.close();
    }
    const violations = simulator.stats().violations;
    // The demo checks the watcher, not the tasks: its failures are scripted. It passes when every task ended
    // the way it was scripted to, and fails when one did not (or timed out). A stopped run says neither.
    const asScripted = result.failed === scriptedFailures && result.succeeded === specs.length - scriptedFailures && result.timedOut === 0;
    let exitCode: number = result.stoppedBy !== undefined ? exitCodeOf(result) : asScripted ? EXIT.ok : EXIT.failed;
    if (asScripted) {
      reporter.message(`kie-watch demo: every task ended as scripted (${scriptedFailures} of ${specs.length} were scripted to fail)`);
    }
    if (violations > 0) {
      // The whole point of the watcher is to stay inside the limit: a violation is a bug, never a pass.
      reporter.message(`kie-watch demo: the simulator counted ${violations} rate-limit violations; this is a bug in kie-watcher`);
      if (exitCode === EXIT.ok) exitCode = EXIT.failed;
    }
    reporter.finish(summaryOf(result, exitCode, violations));
    return exitCode;
  } finally {
    await simulator.close();
  }
}
