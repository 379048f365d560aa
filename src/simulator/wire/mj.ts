import { formatIsoTime, resultUrlsOf, type TaskState } from '../record.js';
import { FAILURE_FLAG, failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

/** The record as `GET /api/v1/mj/record-info` shows it. */
export interface MidjourneyData {
  taskId: string;
  taskType: 'mj_txt2img';
  paramJson: string;
  completeTime: string | null;
  /** The URLs as objects `{ resultUrl }`, as the provider sends them. */
  resultInfoJson: { resultUrls: { resultUrl: string }[] } | null;
  successFlag: 0 | 1 | 2 | 3;
  createTime: string;
  errorCode: number | null;
  errorMessage: string | null;
}

function base(task: TaskState): MidjourneyData {
  return {
    taskId: task.taskId,
    taskType: 'mj_txt2img',
    paramJson: task.paramJson ?? JSON.stringify({ prompt: promptOf(task), taskType: 'mj_txt2img', speed: 'fast', version: '7', aspectRatio: '1:1' }),
    completeTime: null,
    resultInfoJson: null,
    successFlag: 0,
    createTime: formatIsoTime(task.createdAt),
    errorCode: null,
    errorMessage: null,
  };
}

export const midjourneyWire: FamilyWire = {
  family: 'mj',
  path: '/api/v1/mj/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): MidjourneyData {
    const data = base(task);
    if (phase.kind === 'running') return data;
    const completeTime = formatIsoTime(phase.finalAt);
    if (phase.outcome === 'SUCCESS') {
      // A Midjourney grid: four images unless the spec names its own.
      return { ...data, completeTime, successFlag: 1, resultInfoJson: { resultUrls: resultUrlsOf(task, 'jpeg', 4).map((resultUrl) => ({ resultUrl })) } };
    }
    const error = failureError(task, phase.outcome);
    return { ...data, completeTime, successFlag: FAILURE_FLAG[phase.outcome], errorCode: error.code, errorMessage: error.message };
  },
};
