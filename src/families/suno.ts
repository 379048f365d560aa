import { z } from 'zod';
import { defineFamily } from './define.js';
import { readInteger, readJson, readNumber, readObject, readString, readText, readTime, readTimeMs } from './fields.js';
import { classifyByStatus, statusText, taskIdField, type Meaning } from './shared.js';
import { sunoInput, sunoRefusal } from './inputs/suno.js';

/** One generated Suno track (`response.sunoData[]`). Texts are `null` when absent or empty. */
export interface SunoTrack {
  /** The track's id (what an extension's `parentMusicId` names). */
  readonly id: string | null;
  /** The downloadable audio: the result. Empty until the track is done. */
  readonly audioUrl: string | null;
  /** A stream that plays while the track is still being generated. */
  readonly streamAudioUrl: string | null;
  /** The cover image. */
  readonly imageUrl: string | null;
  /** The lyrics or prompt used. */
  readonly prompt: string | null;
  /** The Suno model that made it, e.g. `chirp-v3-5`. */
  readonly modelName: string | null;
  /** The track's title. */
  readonly title: string | null;
  /** The style tags, one text as sent. */
  readonly tags: string | null;
  /** Epoch ms. */
  readonly createTime: number | null;
  /** Seconds. */
  readonly duration: number | null;
}

/** A Suno music record (`GET /api/v1/generate/record-info`), its variants folded. */
export interface SunoRecord {
  /** The task the record names, `null` when absent. */
  readonly taskId: string | null;
  /** For an extension, the track it extends; `null` when absent or empty. */
  readonly parentMusicId: string | null;
  /** The creation parameters as sent (a JSON text). */
  readonly param: string | null;
  /** `param` parsed; `null` when absent or not JSON. */
  readonly params: unknown;
  /** `null` until the first track data appears. */
  readonly response: {
    /** The task the response names, `null` when absent. */
    readonly taskId: string | null;
    /** The tracks (usually two); each track's `audioUrl` is a result once the status is `SUCCESS`. */
    readonly sunoData: readonly SunoTrack[];
  } | null;
  /** `PENDING`, `TEXT_SUCCESS`, `FIRST_SUCCESS`, `SUCCESS`, or a failure status. */
  readonly status: string | null;
  /** The operation, e.g. `GENERATE`. */
  readonly type: string | null;
  /** The provider's error code for a failed task, `null` when absent. */
  readonly errorCode: number | null;
  /** The provider's message for a failed task, `null` when absent or empty. */
  readonly errorMessage: string | null;
  /** Epoch ms, when the record carries one. */
  readonly createTime: number | null;
  /** `false` when `createTime` was a text without a zone. */
  readonly createTimeZoned: boolean;
  /** Epoch ms, when the record carries one. */
  readonly completeTime: number | null;
}

const STATUSES: ReadonlyMap<string, Meaning> = new Map([
  ['PENDING', 'pending'],
  ['TEXT_SUCCESS', 'pending'],
  ['FIRST_SUCCESS', 'pending'],
  ['SUCCESS', 'success'],
  ['CREATE_TASK_FAILED', 'failure'],
  ['GENERATE_AUDIO_FAILED', 'failure'],
  ['CALLBACK_EXCEPTION', 'failure'],
  ['SENSITIVE_WORD_ERROR', 'failure'],
]);

const schema = z.looseObject({ taskId: taskIdField, status: statusText });

function readTrack(value: unknown): SunoTrack | null {
  const t = readObject(value);
  if (t === null) return null;
  return {
    id: readText(t['id']),
    audioUrl: readText(t['audioUrl']),
    streamAudioUrl: readText(t['streamAudioUrl']),
    imageUrl: readText(t['imageUrl']),
    prompt: readText(t['prompt']),
    modelName: readText(t['modelName']),
    title: readText(t['title']),
    tags: readText(t['tags']),
    createTime: readTimeMs(t['createTime']),
    duration: readNumber(t['duration']),
  };
}

/**
 * Suno music: `status` decides. `TEXT_SUCCESS` (lyrics done) and `FIRST_SUCCESS` (one track done) are not
 * final; `SUCCESS` is, and its results are the tracks' `audioUrl`s.
 */
export const suno = defineFamily({
  id: 'suno',
  path: '/api/v1/generate/record-info',
  schema,
  resultPath: ['data', 'response', 'sunoData'],
  create: { path: '/api/v1/generate', input: sunoInput, refusal: sunoRefusal },
  normalize: (raw): SunoRecord => {
    const created = readTime(raw['createTime']);
    const response = readObject(raw['response']);
    const tracks = response !== null && Array.isArray(response['sunoData']) ? response['sunoData'] : [];
    return {
      taskId: raw.taskId ?? null,
      parentMusicId: readText(raw['parentMusicId']),
      param: readString(raw['param']),
      params: readJson(raw['param']),
      response: response === null ? null : { taskId: readText(response['taskId']), sunoData: tracks.map(readTrack).filter((t): t is SunoTrack => t !== null) },
      status: raw.status ?? null,
      type: readText(raw['type']),
      errorCode: readInteger(raw['errorCode']),
      errorMessage: readText(raw['errorMessage']),
      createTime: created?.ms ?? null,
      createTimeZoned: created?.zoned ?? true,
      completeTime: readTimeMs(raw['completeTime']),
    };
  },
  classify: (r) =>
    classifyByStatus(
      { taskId: r.taskId, status: r.status, createTime: r.createTime, createTimeZoned: r.createTimeZoned, completeTime: r.completeTime },
      STATUSES,
      { errorCode: r.errorCode, errorMessage: r.errorMessage },
    ),
  toResult: (r) => ({ resultUrls: (r.response?.sunoData ?? []).flatMap((t) => (t.audioUrl === null ? [] : [t.audioUrl])), params: r.params }),
});
