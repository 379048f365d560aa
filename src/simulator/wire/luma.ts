import { resultUrlsOf, type TaskState } from '../record.js';
import { variantTime } from './gpt4o-image.js';
import { FAILURE_FLAG, failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

/** The record as `GET /api/v1/modify/record-info` shows it. */
export interface LumaData {
  taskId: string;
  paramJson: string;
  completeTime: number | string | null;
  response: { taskId: string; originUrls: string[]; resultUrls: string[] } | null;
  successFlag: 0 | 1 | 2 | 3 | 4;
  createTime: number | string;
  errorCode: number | null;
  errorMessage: string | null;
}

function base(task: TaskState): LumaData {
  return {
    taskId: task.taskId,
    paramJson: task.paramJson ?? JSON.stringify({ prompt: promptOf(task), videoUrl: `https://example.invalid/${task.taskId}/source.mp4`, waterMark: '' }),
    completeTime: null,
    response: null,
    successFlag: 0,
    createTime: variantTime(task, task.createdAt),
    errorCode: null,
    errorMessage: null,
  };
}

export const lumaWire: FamilyWire = {
  family: 'luma',
  path: '/api/v1/modify/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): LumaData {
    const data = base(task);
    if (phase.kind === 'running') return data;
    const completeTime = variantTime(task, phase.finalAt);
    if (phase.outcome === 'SUCCESS') {
      const response = { taskId: task.taskId, originUrls: [`https://example.invalid/${task.taskId}/source.mp4`], resultUrls: resultUrlsOf(task, 'mp4') };
      // 4: the video is there, only the provider's callback failed.
      return { ...data, completeTime, response, successFlag: task.quirk ? 4 : 1 };
    }
    const error = failureError(task, phase.outcome);
    return { ...data, completeTime, successFlag: FAILURE_FLAG[phase.outcome], errorCode: error.code, errorMessage: error.message };
  },
};
