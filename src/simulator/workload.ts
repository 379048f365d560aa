import { mulberry32 } from './prng.js';
import { FAMILIES } from './record.js';
import type { SimulatedFamily, SimulatedOutcome, SimulatedTaskSpec } from './types.js';

/** Shapes the workload {@link scriptedTasks} makes. */
export interface ScriptedTasksOptions {
  /** Default 1. */
  readonly seed?: number;
  /** Share of tasks that fail (split between GENERATE_FAILED, CREATE_TASK_FAILED, MODERATED). Default 0.1. */
  readonly failureRate?: number;
  /** Default 2000. */
  readonly minDurationMs?: number;
  /** Default 15000. */
  readonly maxDurationMs?: number;
  /** Default 0. */
  readonly invisibleForMs?: number;
  /**
   * Families to spread the tasks over, in turn (task i gets `families[i % length]`), so that a mix is
   * deterministic and every family appears early. Durations and outcomes do not depend on it.
   * Default: none, which leaves `family` unset (gpt4o-image).
   */
  readonly families?: readonly SimulatedFamily[] | undefined;
}

const FAILURES: readonly SimulatedOutcome[] = ['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];

/**
 * A deterministic mixed workload. Task ids are left to the simulator so the
 * same script can be loaded into several simulators without id clashes.
 */
export function scriptedTasks(count: number, options: ScriptedTasksOptions = {}): SimulatedTaskSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${String(count)}`);
  const failureRate = options.failureRate ?? 0.1;
  const minDurationMs = options.minDurationMs ?? 2_000;
  const maxDurationMs = options.maxDurationMs ?? 15_000;
  const invisibleForMs = options.invisibleForMs ?? 0;
  if (failureRate < 0 || failureRate > 1) throw new RangeError('failureRate must be within 0..1');
  if (minDurationMs < 0 || maxDurationMs < minDurationMs) throw new RangeError('need 0 <= minDurationMs <= maxDurationMs');
  const families = options.families;
  if (families !== undefined && (families.length === 0 || families.some((f) => !FAMILIES.includes(f)))) {
    throw new RangeError(`families must be a non-empty list of ${FAMILIES.join(', ')}`);
  }
  const rand = mulberry32(options.seed ?? 1);
  const specs: SimulatedTaskSpec[] = [];
  for (let i = 0; i < count; i++) {
    // Draw the same number of values per task so task i does not depend on earlier outcomes.
    const rDuration = rand();
    const rFail = rand();
    const rKind = rand();
    const rSteps = rand();
    const durationMs = Math.round(minDurationMs + rDuration * (maxDurationMs - minDurationMs));
    const outcome: SimulatedOutcome = rFail < failureRate ? (FAILURES[Math.floor(rKind * FAILURES.length)] ?? 'GENERATE_FAILED') : 'SUCCESS';
    const spec: SimulatedTaskSpec = { durationMs, outcome, progressSteps: 2 + Math.floor(rSteps * 5) };
    const family = families?.[i % families.length];
    specs.push({ ...spec, ...(invisibleForMs > 0 ? { invisibleForMs } : {}), ...(family !== undefined ? { family } : {}) });
  }
  return specs;
}
