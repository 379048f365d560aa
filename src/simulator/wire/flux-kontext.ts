import { formatIsoTime, resultUrlsOf, type TaskState } from '../record.js';
import { FAILURE_FLAG, failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

/** The record as `GET /api/v1/flux/kontext/record-info` shows it. */
export interface FluxKontextData {
  taskId: string;
  paramJson: string;
  completeTime: string | null;
  response: { originImageUrl: string | null; resultImageUrl: string } | null;
  successFlag: 0 | 1 | 2 | 3;
  errorCode: number | null;
  errorMessage: string;
  createTime: string;
}

function base(task: TaskState): FluxKontextData {
  return {
    taskId: task.taskId,
    paramJson: task.paramJson ?? JSON.stringify({ prompt: promptOf(task), aspectRatio: '16:9', model: 'flux-kontext-pro' }),
    completeTime: null,
    response: null,
    successFlag: 0,
    errorCode: null,
    errorMessage: '',
    createTime: formatIsoTime(task.createdAt),
  };
}

export const fluxKontextWire: FamilyWire = {
  family: 'flux-kontext',
  path: '/api/v1/flux/kontext/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): FluxKontextData {
    const data = base(task);
    if (phase.kind === 'running') return data;
    const completeTime = formatIsoTime(phase.finalAt);
    if (phase.outcome === 'SUCCESS') {
      return { ...data, completeTime, successFlag: 1, response: { originImageUrl: null, resultImageUrl: resultUrlsOf(task, 'png')[0] ?? '' } };
    }
    const error = failureError(task, phase.outcome);
    return { ...data, completeTime, successFlag: FAILURE_FLAG[phase.outcome], errorCode: error.code, errorMessage: error.message };
  },
};
