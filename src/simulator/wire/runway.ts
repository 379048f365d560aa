import { formatQuickstartTime, resultUrlsOf, stageAt, type TaskState } from '../record.js';
import { failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

const STAGES = [
  [0.1, 'wait'],
  [0.2, 'queueing'],
] as const;

/** The record as `GET /api/v1/runway/record-detail` shows it. */
export interface RunwayData {
  taskId: string;
  parentTaskId: string;
  generateParam: { prompt: string; imageUrl: string; expandPrompt: boolean };
  state: 'wait' | 'queueing' | 'generating' | 'success' | 'fail';
  generateTime: string;
  videoInfo: { videoId: string; taskId: string; videoUrl: string; imageUrl: string } | null;
  /** `""` when there is nothing to report, a number otherwise (the docs show both). */
  failCode: number | '';
  failMsg: string;
  expireFlag: 0 | 1;
}

function base(task: TaskState): RunwayData {
  return {
    taskId: task.taskId,
    parentTaskId: '',
    generateParam: { prompt: promptOf(task), imageUrl: '', expandPrompt: true },
    state: 'wait',
    generateTime: formatQuickstartTime(task.createdAt),
    videoInfo: null,
    failCode: '',
    failMsg: '',
    expireFlag: 0,
  };
}

export const runwayWire: FamilyWire = {
  family: 'runway',
  path: '/api/v1/runway/record-detail',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): RunwayData {
    const data = base(task);
    if (phase.kind === 'running') return { ...data, state: stageAt(phase.fraction, STAGES, 'generating') };
    if (phase.outcome === 'SUCCESS') {
      const videoInfo = { videoId: `${task.taskId}-video`, taskId: task.taskId, videoUrl: resultUrlsOf(task, 'mp4')[0] ?? '', imageUrl: `https://example.invalid/${task.taskId}/cover.png` };
      // The docs' own success example carries a failure code and message; so do some simulated successes.
      const quirk = task.quirk ? { failCode: 400, failMsg: 'Generation failed, please try again later' } : {};
      return { ...data, state: 'success', videoInfo, ...quirk };
    }
    const error = failureError(task, phase.outcome);
    return { ...data, state: 'fail', failCode: error.code, failMsg: error.message };
  },
};
