import { randomBytes } from 'node:crypto';
import { DEFAULT_FAMILY, TaskWatcher, type KnownFamilyId } from '../index.js';
import { scriptedTasks, startSimulator, type SimulatedTaskSpec } from '../simulator/index.js';
import type { DemoCommand } from './args.js';
import { makeLogger, makeReporter } from './context.js';
import { scaledPolicy } from './demo-policy.js';
import { EXIT } from './exit-codes.js';
import { redactor, sink, type CliIo } from './io.js';
import type { WatchedTask } from './report.js';
import { exitCodeOf, summaryOf, watchAll, type TaskEnding } from './session.js';

export const DEMO_WORKLOAD = { failureRate: 0.15, minDurationMs: 3_000, maxDurationMs: 20_000 } as const;

/**
 * The demo's tasks; exported so tests can tell in advance which ones fail. With `families`, task i is of
 * `families[i % length]`; durations and outcomes stay those of the seed, whatever the families.
 */
export function demoTasks(count: number, seed: number, speed: number, families?: readonly KnownFamilyId[]): SimulatedTaskSpec[] {
  return scriptedTasks(count, {
    seed,
    failureRate: DEMO_WORKLOAD.failureRate,
    minDurationMs: DEMO_WORKLOAD.minDurationMs / speed,
    maxDurationMs: DEMO_WORKLOAD.maxDurationMs / speed,
    families,
  });
}

/**
 * The tasks that did not end the way they were scripted: a success must succeed, and a scripted failure must
 * end as the provider's failure (`KIE_TASK_FAILED`), not as an unreadable answer or a transport give-up,
 * which would mean the watcher misread the family. Counting successes and failures could not tell.
 */
export function notAsScripted(specs: readonly SimulatedTaskSpec[], taskIds: readonly string[], endings: ReadonlyMap<string, TaskEnding>): { taskId: string; scripted: string; ended: TaskEnding | 'NOT ENDED' }[] {
  return specs.flatMap((spec, i) => {
    const taskId = taskIds[i] ?? '';
    const want: TaskEnding = spec.outcome === 'SUCCESS' ? 'SUCCESS' : 'KIE_TASK_FAILED';
    const ended = endings.get(taskId) ?? 'NOT ENDED';
    return ended === want ? [] : [{ taskId, scripted: spec.outcome, ended }];
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
    const specs = demoTasks(cmd.tasks, cmd.seed, cmd.speed, cmd.families);
    const scriptedFailures = specs.filter((s) => s.outcome !== 'SUCCESS').length;
    const taskIds = simulator.addTasks(specs);
    const tasks: WatchedTask[] = taskIds.map((taskId, i) => ({ taskId, family: specs[i]?.family ?? DEFAULT_FAMILY }));
    const watcher = new TaskWatcher({ apiKey, baseUrl: simulator.url, policy: scaledPolicy(cmd.policy, cmd.speed), logger, timeoutMs: cmd.timeoutMs });
    const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
    const of = cmd.families === undefined ? '' : ` of ${cmd.families.length === 1 ? 'family' : 'families'} ${cmd.families.join(', ')}`;
    reporter.message(`kie-watch demo: simulator at ${simulator.url}, ${taskIds.length} scripted tasks${of} (seed ${cmd.seed}, speed ${cmd.speed})`);
    let result;
    try {
      result = await watchAll(watcher, tasks, reporter, { timeoutMs: cmd.timeoutMs, signal: io.signal, logger });
    } finally {
      await watcher.close();
    }
    const violations = simulator.stats().violations;
    // The demo checks the watcher, not the tasks: its failures are scripted. It passes when every task ended
    // the way it was scripted to, and fails when one did not (or timed out). A stopped run says neither.
    const astray = notAsScripted(specs, taskIds, result.endings);
    const asScripted = astray.length === 0;
    let exitCode: number = result.stoppedBy !== undefined ? exitCodeOf(result) : asScripted ? EXIT.ok : EXIT.failed;
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
    reporter.finish(summaryOf(result, exitCode, violations));
    return exitCode;
  } finally {
    await simulator.close();
  }
}
