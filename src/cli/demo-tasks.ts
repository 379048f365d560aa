import type { KnownFamilyId } from '../index.js';
import { scriptedTasks, type SimulatedTaskSpec } from '../simulator/index.js';
import type { TaskEnding } from './session.js';

/** The demo's scripted workload, shared by the one-watcher demo (demo.ts) and the fleet demo (fleet/demo.ts). */
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
