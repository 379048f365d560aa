import { resultUrlsOf, type TaskState } from '../record.js';
import { variantTime } from './gpt4o-image.js';
import { FAILURE_FLAG, failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

/** The record as `GET /api/v1/veo/record-info` shows it; failure records carry no `taskId`. */
export interface VeoData {
  taskId?: string;
  paramJson: string;
  completeTime: number | string | null;
  response: { taskId: string; resultUrls: string[]; originUrls: string[] | null; resolution: string } | null;
  successFlag: 0 | 1 | 2 | 3;
  errorCode: number | null;
  errorMessage: string;
  createTime: number | string;
  fallbackFlag: boolean;
}

function base(task: TaskState): VeoData {
  return {
    taskId: task.taskId,
    paramJson: task.paramJson ?? JSON.stringify({ prompt: promptOf(task), model: 'veo3_fast', aspectRatio: '16:9' }),
    completeTime: null,
    response: null,
    successFlag: 0,
    errorCode: null,
    errorMessage: '',
    createTime: variantTime(task, task.createdAt),
    fallbackFlag: false,
  };
}

export const veoWire: FamilyWire = {
  family: 'veo',
  path: '/api/v1/veo/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): VeoData {
    const data = base(task);
    if (phase.kind === 'running') return data;
    const completeTime = variantTime(task, phase.finalAt);
    if (phase.outcome === 'SUCCESS') {
      // 16:9 videos have no separate originals: the provider sends originUrls null.
      return { ...data, completeTime, successFlag: 1, response: { taskId: task.taskId, resultUrls: resultUrlsOf(task, 'mp4'), originUrls: null, resolution: '1080p' } };
    }
    const error = failureError(task, phase.outcome, phase.outcome === 'MODERATED' ? [422, 'Your prompt was flagged by Website as violating content policies'] : undefined);
    // Observed: the failure record names no task.
    const { taskId: _omitted, ...withoutTaskId } = data;
    return { ...withoutTaskId, completeTime, successFlag: FAILURE_FLAG[phase.outcome], errorCode: error.code, errorMessage: error.message };
  },
};
