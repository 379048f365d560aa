import { errorOf, formatQuickstartTime, progressAt, resultUrlsOf, type TaskState } from '../record.js';
import type { FamilyWire, FinalPhase, VisiblePhase } from './types.js';

/** The record as `GET /api/v1/gpt4o-image/record-info` shows it. */
export interface Gpt4oImageData {
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

export function defaultParamJson(task: TaskState): string {
  return JSON.stringify({
    prompt: `simulated task ${task.taskId}`,
    size: '1:1',
    nVariants: task.resultUrls?.length ?? 1,
    isEnhance: false,
  });
}

/** int64 ms (OpenAPI) or zone-less UTC texts (quickstart), as the task's variant says. */
export function variantTime(task: TaskState, ms: number): number | string {
  return task.quickstart ? formatQuickstartTime(ms) : ms;
}

const FAILURES = {
  MODERATED: { successFlag: 3, status: 'GENERATE_FAILED', code: 400, message: 'Internal Error' },
  CREATE_TASK_FAILED: { successFlag: 2, status: 'CREATE_TASK_FAILED', code: 400, message: 'content policy' },
  GENERATE_FAILED: { successFlag: 2, status: 'GENERATE_FAILED', code: 500, message: 'Failed to generate image' },
} as const;

function final(task: TaskState, phase: FinalPhase): Partial<Gpt4oImageData> {
  const completeTime = variantTime(task, phase.finalAt);
  if (phase.outcome === 'SUCCESS') {
    const urls = resultUrlsOf(task, 'png');
    return { completeTime, response: task.quickstart ? { result_urls: urls } : { resultUrls: urls }, successFlag: 1, status: 'SUCCESS', progress: '1.00' };
  }
  const f = FAILURES[phase.outcome];
  const error = errorOf(task, f.code, f.message);
  // A failed task keeps the plateau it had reached; it never shows 1.00.
  return { completeTime, successFlag: f.successFlag, status: f.status, errorCode: error.code, errorMessage: error.message };
}

export function renderGpt4oImage(task: TaskState, phase: VisiblePhase): Gpt4oImageData {
  return {
    taskId: task.taskId,
    paramJson: task.paramJson ?? defaultParamJson(task),
    completeTime: null,
    response: null,
    successFlag: 0,
    status: 'GENERATING',
    errorCode: null,
    errorMessage: '',
    createTime: variantTime(task, task.createdAt),
    progress: progressAt(task, phase.elapsed),
    ...(phase.kind === 'final' ? final(task, phase) : {}),
  };
}

export const gpt4oImageWire: FamilyWire = {
  family: 'gpt4o-image',
  path: '/api/v1/gpt4o-image/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render: renderGpt4oImage,
};
