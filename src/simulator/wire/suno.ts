import { formatQuickstartTime, resultUrlsOf, stageAt, type TaskState } from '../record.js';
import { failureError, promptOf } from './shared.js';
import type { FamilyWire, VisiblePhase } from './types.js';

/** One track of `response.sunoData`. */
export interface SunoTrackData {
  id: string;
  audioUrl: string;
  streamAudioUrl: string;
  imageUrl: string;
  prompt: string;
  modelName: string;
  title: string;
  tags: string;
  createTime: string;
  duration: number | null;
}

/** The record as `GET /api/v1/generate/record-info` shows it. */
export interface SunoData {
  taskId: string;
  parentMusicId: string;
  param: string;
  response: { taskId: string; sunoData: SunoTrackData[] } | null;
  status: 'PENDING' | 'TEXT_SUCCESS' | 'FIRST_SUCCESS' | 'SUCCESS' | 'CREATE_TASK_FAILED' | 'GENERATE_AUDIO_FAILED' | 'SENSITIVE_WORD_ERROR';
  type: 'GENERATE';
  errorCode: number | null;
  errorMessage: string | null;
}

const STAGES = [
  [1 / 3, 'PENDING'],
  [2 / 3, 'TEXT_SUCCESS'],
] as const;
const FAILURE_STATUS = { CREATE_TASK_FAILED: 'CREATE_TASK_FAILED', GENERATE_FAILED: 'GENERATE_AUDIO_FAILED', MODERATED: 'SENSITIVE_WORD_ERROR' } as const;

/** The tracks, of which the first `done` have their audio (Suno makes two per task). */
function tracks(task: TaskState, done: number): SunoTrackData[] {
  const urls = resultUrlsOf(task, 'mp3', 2);
  // Without URLs (successWithoutUrls) the tracks are still there, their audioUrl empty.
  const count = Math.max(urls.length, task.resultUrls?.length ?? 2);
  return Array.from({ length: count }, (_, i) => ({
    id: `${task.taskId}-${i}`,
    audioUrl: i < done ? (urls[i] ?? '') : '',
    streamAudioUrl: `https://example.invalid/${task.taskId}/${i}/stream`,
    imageUrl: `https://example.invalid/${task.taskId}/${i}.jpeg`,
    prompt: `[Verse] ${promptOf(task)}`,
    modelName: 'chirp-v4',
    title: `Simulated ${i + 1}`,
    tags: 'simulated',
    createTime: formatQuickstartTime(task.createdAt),
    duration: i < done ? 180 + i : null,
  }));
}

function base(task: TaskState): SunoData {
  return {
    taskId: task.taskId,
    parentMusicId: '',
    param: task.paramJson ?? JSON.stringify({ prompt: promptOf(task), customMode: false, instrumental: false, model: 'V4' }),
    response: null,
    status: 'PENDING',
    type: 'GENERATE',
    errorCode: null,
    errorMessage: null,
  };
}

export const sunoWire: FamilyWire = {
  family: 'suno',
  path: '/api/v1/generate/record-info',
  messageKey: 'msg',
  unknownTaskMessage: 'record is null',
  render(task, phase: VisiblePhase): SunoData {
    const data = base(task);
    const response = (done: number): SunoData['response'] => ({ taskId: task.taskId, sunoData: tracks(task, done) });
    if (phase.kind === 'running') {
      // PENDING, then TEXT_SUCCESS (lyrics, no audio), then FIRST_SUCCESS (one track done): none is final.
      const status = stageAt(phase.fraction, STAGES, 'FIRST_SUCCESS');
      if (status === 'PENDING') return data;
      return { ...data, status, response: response(status === 'FIRST_SUCCESS' ? 1 : 0) };
    }
    if (phase.outcome === 'SUCCESS') return { ...data, status: 'SUCCESS', response: response(Number.MAX_SAFE_INTEGER) };
    const error = failureError(task, phase.outcome);
    return { ...data, status: FAILURE_STATUS[phase.outcome], errorCode: error.code, errorMessage: error.message };
  },
};
