import { resultUrlsOf, stageAt, type TaskState } from '../record.js';
import { failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

const MODEL = 'google/nano-banana';
const STAGES = [
  [0.1, 'waiting'],
  [0.2, 'queuing'],
] as const;

/** The record as `GET /api/v1/jobs/recordInfo` shows it. */
export interface MarketData {
  taskId: string;
  model: string;
  state: 'waiting' | 'queuing' | 'generating' | 'success' | 'fail';
  param: string;
  /** A JSON text, `""` until there is a result. */
  resultJson: string;
  failCode: string;
  failMsg: string;
  completeTime: number | null;
  createTime: number;
  updateTime: number;
}

function base(task: TaskState): MarketData {
  return {
    taskId: task.taskId,
    model: MODEL,
    state: 'waiting',
    param: task.paramJson ?? JSON.stringify({ model: MODEL, input: { prompt: promptOf(task), output_format: 'png' } }),
    resultJson: '',
    failCode: '',
    failMsg: '',
    completeTime: null,
    createTime: task.createdAt,
    updateTime: task.createdAt,
  };
}

export const marketWire: FamilyWire = {
  family: 'market',
  path: '/api/v1/jobs/recordInfo',
  messageKey: 'message',
  // Captured live: the market endpoint's unknown task is a body 422 with this text.
  unknownTaskMessage: 'recordInfo is null',
  render(task, phase: VisiblePhase): MarketData {
    const data = base(task);
    if (phase.kind === 'running') {
      const state = stageAt(phase.fraction, STAGES, 'generating');
      const since = state === 'waiting' ? 0 : state === 'queuing' ? 0.1 : 0.2;
      return { ...data, state, updateTime: task.createdAt + Math.round(task.durationMs * since) };
    }
    const done = { ...data, completeTime: phase.finalAt, updateTime: phase.finalAt };
    if (phase.outcome === 'SUCCESS') return { ...done, state: 'success', resultJson: JSON.stringify({ resultUrls: resultUrlsOf(task, 'png') }) };
    const error = failureError(task, phase.outcome);
    return { ...done, state: 'fail', failCode: String(error.code), failMsg: error.message };
  },
};
