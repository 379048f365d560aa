import { mulberry32 } from './prng.js';
import type { SimulatedOutcome, SimulatedTaskSpec } from './types.js';

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
  /** Arrival times inside the current rate window, oldest first. */
  arrivals: number[];
  requests: number;
  violations: number;
}

export const OUTCOMES: readonly SimulatedOutcome[] = ['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED', 'NEVER'];
const MAX_PROGRESS_STEPS = 1000;

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

export function defaultParamJson(task: TaskState): string {
  return JSON.stringify({
    prompt: `simulated task ${task.taskId}`,
    size: '1:1',
    nVariants: task.resultUrls?.length ?? 1,
    isEnhance: false,
  });
}

export interface RecordData {
  taskId: string;
  paramJson: string;
  completeTime: number | string | null;
  response: { resultUrls: string[] } | { result_urls: string[] } | null;
  successFlag: 0 | 1 | 2 | 3;
  status: 'GENERATING' | 'SUCCESS' | 'CREATE_TASK_FAILED' | 'GENERATE_FAILED';
  errorCode: number | null;
  errorMessage: string;
  createTime: number | string;
  progress: string;
}

/** The record `data` as the provider would show it at `now`, or null while the task is still invisible. */
export function renderRecord(task: TaskState, now: number): RecordData | null {
  const elapsed = now - task.createdAt;
  if (elapsed < task.invisibleForMs) return null;
  const time = (ms: number): number | string => (task.quickstart ? formatQuickstartTime(ms) : ms);
  const finalAt = scheduledFinalAt(task);
  const isFinal = finalAt !== null && now >= finalAt;
  const base = {
    taskId: task.taskId,
    paramJson: task.paramJson ?? defaultParamJson(task),
  };
  if (!isFinal) {
    return {
      ...base,
      completeTime: null,
      response: null,
      successFlag: 0,
      status: 'GENERATING',
      errorCode: null,
      errorMessage: '',
      createTime: time(task.createdAt),
      progress: progressAt(task, elapsed),
    };
  }
  const completeTime = time(finalAt);
  switch (task.outcome) {
    case 'SUCCESS': {
      const urls = task.successWithoutUrls ? [] : [...(task.resultUrls ?? [`https://example.invalid/${task.taskId}/0.png`])];
      return {
        ...base,
        completeTime,
        response: task.quickstart ? { result_urls: urls } : { resultUrls: urls },
        successFlag: 1,
        status: 'SUCCESS',
        errorCode: null,
        errorMessage: '',
        createTime: time(task.createdAt),
        progress: '1.00',
      };
    }
    case 'MODERATED':
      return failed(task, base, completeTime, 3, 'GENERATE_FAILED', 400, 'Internal Error', elapsed);
    case 'CREATE_TASK_FAILED':
      return failed(task, base, completeTime, 2, 'CREATE_TASK_FAILED', 400, 'content policy', elapsed);
    case 'GENERATE_FAILED':
    default:
      return failed(task, base, completeTime, 2, 'GENERATE_FAILED', 500, 'Failed to generate image', elapsed);
  }
}

function failed(
  task: TaskState,
  base: { taskId: string; paramJson: string },
  completeTime: number | string,
  successFlag: 2 | 3,
  status: 'CREATE_TASK_FAILED' | 'GENERATE_FAILED',
  defaultCode: number,
  defaultMessage: string,
  elapsed: number,
): RecordData {
  return {
    ...base,
    completeTime,
    response: null,
    successFlag,
    status,
    errorCode: task.errorCode ?? defaultCode,
    errorMessage: task.errorMessage ?? defaultMessage,
    createTime: task.quickstart ? formatQuickstartTime(task.createdAt) : task.createdAt,
    // A failed task keeps the plateau it had reached; it never shows 1.00.
    progress: progressAt(task, elapsed),
  };
}
