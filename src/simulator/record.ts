import { mulberry32 } from './prng.js';
import type { SimulatedFamily, SimulatedOutcome, SimulatedTaskSpec } from './types.js';

/**
 * Per-task state is deliberately a flat plain object with no timers: the
 * simulator must hold 100,000 tasks, and the status is derived from the clock
 * at request time.
 */
export interface TaskState {
  readonly taskId: string;
  readonly createdAt: number;
  readonly durationMs: number;
  readonly outcome: SimulatedOutcome;
  readonly invisibleForMs: number;
  readonly progressSteps: number;
  readonly resultUrls: readonly string[] | undefined;
  readonly successWithoutUrls: boolean;
  readonly errorCode: number | undefined;
  readonly errorMessage: string | undefined;
  readonly quickstart: boolean;
  readonly paramJson: string | undefined;
  readonly curveSeed: number;
  readonly family: SimulatedFamily;
  /** Whether a success shows the family's quirk (runway failCode on success, luma successFlag 4). */
  readonly quirk: boolean;
  /** Arrival times inside the current rate window, oldest first. */
  arrivals: number[];
  requests: number;
  violations: number;
}

export const OUTCOMES: readonly SimulatedOutcome[] = ['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED', 'NEVER'];
export const FAMILIES: readonly SimulatedFamily[] = ['gpt4o-image', 'market', 'veo', 'flux-kontext', 'runway', 'luma', 'suno', 'mj'];
const MAX_PROGRESS_STEPS = 1000;
/** Share of successes that show their family's quirk when the spec does not say. */
const QUIRK_SHARE = 0.25;

export function createTaskState(
  spec: SimulatedTaskSpec,
  taskId: string,
  createdAt: number,
  curveSeed: number,
  paramJson?: string,
): TaskState {
  if (!Number.isFinite(spec.durationMs) || spec.durationMs < 0) {
    throw new RangeError(`durationMs must be a finite number >= 0, got ${String(spec.durationMs)}`);
  }
  if (!OUTCOMES.includes(spec.outcome)) {
    throw new RangeError(`unknown outcome ${String(spec.outcome)}`);
  }
  const family = spec.family ?? 'gpt4o-image';
  if (!FAMILIES.includes(family)) {
    throw new RangeError(`unknown family ${String(family)}; known: ${FAMILIES.join(', ')}`);
  }
  const invisibleForMs = spec.invisibleForMs ?? 0;
  if (!Number.isFinite(invisibleForMs) || invisibleForMs < 0) {
    throw new RangeError(`invisibleForMs must be a finite number >= 0, got ${String(invisibleForMs)}`);
  }
  const progressSteps = spec.progressSteps ?? 4;
  if (!Number.isInteger(progressSteps) || progressSteps < 0 || progressSteps > MAX_PROGRESS_STEPS) {
    throw new RangeError(`progressSteps must be an integer 0..${MAX_PROGRESS_STEPS}, got ${String(progressSteps)}`);
  }
  return {
    taskId,
    createdAt,
    durationMs: spec.durationMs,
    outcome: spec.outcome,
    invisibleForMs,
    progressSteps,
    resultUrls: spec.resultUrls ? [...spec.resultUrls] : undefined,
    successWithoutUrls: spec.successWithoutUrls ?? false,
    errorCode: spec.errorCode,
    errorMessage: spec.errorMessage,
    quickstart: spec.variant === 'quickstart',
    paramJson,
    curveSeed,
    family,
    // Its own stream off the task's seed, so the quirk never shifts the progress curve.
    quirk: spec.quirk ?? mulberry32((curveSeed ^ 0x5bd1e995) >>> 0)() < QUIRK_SHARE,
    arrivals: [],
    requests: 0,
    violations: 0,
  };
}

/** The scheduled final time; null for NEVER. */
export function scheduledFinalAt(task: TaskState): number | null {
  return task.outcome === 'NEVER' ? null : task.createdAt + task.durationMs;
}

/**
 * Progress climbs through `progressSteps` irregular plateaus, all below 1.00,
 * so that '1.00' is only ever reported together with SUCCESS. The curve is
 * recomputed from the task's seed on each request instead of being stored.
 */
export function progressAt(task: TaskState, elapsedMs: number): string {
  const steps = task.progressSteps;
  if (steps === 0 || task.outcome === 'CREATE_TASK_FAILED') return '0.00';
  const rand = mulberry32(task.curveSeed);
  // steps + 1 time weights: the last gap keeps the final plateau strictly before the end.
  let timeTotal = 0;
  const timeWeights: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const w = 0.3 + rand() * 1.4;
    timeWeights.push(w);
    timeTotal += w;
  }
  let valueTotal = 0;
  const valueWeights: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const w = 0.2 + rand() * 1.6;
    valueWeights.push(w);
    valueTotal += w;
  }
  let timeCum = 0;
  let valueCum = 0;
  let hundredths = 0;
  for (let i = 0; i < steps; i++) {
    timeCum += timeWeights[i] ?? 0;
    valueCum += valueWeights[i] ?? 0;
    const boundary = (task.durationMs * timeCum) / timeTotal;
    if (elapsedMs < boundary) break;
    hundredths = Math.max(hundredths, Math.min(99, Math.floor((99 * valueCum) / valueTotal)));
  }
  return formatHundredths(hundredths);
}

function formatHundredths(h: number): string {
  return `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
}

/** The quickstart docs show local wall-clock strings; UTC keeps the simulator deterministic across machines. */
export function formatQuickstartTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Where a task stands at one instant, derived from the clock alone. */
export type TaskPhase =
  | { readonly kind: 'invisible' }
  | {
      readonly kind: 'running';
      readonly elapsed: number;
      /** elapsed / durationMs, capped at 1 (a NEVER task stays at 1 forever). */
      readonly fraction: number;
    }
  | { readonly kind: 'final'; readonly outcome: Exclude<SimulatedOutcome, 'NEVER'>; readonly finalAt: number; readonly elapsed: number };

export function phaseAt(task: TaskState, now: number): TaskPhase {
  const elapsed = now - task.createdAt;
  if (elapsed < task.invisibleForMs) return { kind: 'invisible' };
  const finalAt = scheduledFinalAt(task);
  if (finalAt !== null && now >= finalAt && task.outcome !== 'NEVER') return { kind: 'final', outcome: task.outcome, finalAt, elapsed };
  const fraction = task.durationMs <= 0 ? 1 : Math.min(1, Math.max(0, elapsed / task.durationMs));
  return { kind: 'running', elapsed, fraction };
}

/** The stage a running task shows: the first whose upper bound (a fraction of the duration) lies beyond it. */
export function stageAt<S extends string>(fraction: number, stages: readonly (readonly [upTo: number, stage: S])[], last: S): S {
  for (const [upTo, stage] of stages) if (fraction < upTo) return stage;
  return last;
}

/** ISO-8601 with `Z` and whole seconds, as the Flux Kontext and Midjourney docs show. */
export function formatIsoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The task's result URLs: the spec's, or `count` defaults with the family's file extension. */
export function resultUrlsOf(task: TaskState, extension: string, count = 1): string[] {
  if (task.successWithoutUrls) return [];
  return task.resultUrls ? [...task.resultUrls] : Array.from({ length: count }, (_, i) => `https://example.invalid/${task.taskId}/${i}.${extension}`);
}

/** The spec's error details, or the family's defaults for the outcome. */
export function errorOf(task: TaskState, code: number, message: string): { readonly code: number; readonly message: string } {
  return { code: task.errorCode ?? code, message: task.errorMessage ?? message };
}
