import { z } from 'zod';
import { defineFamily } from './define.js';
import { readBoolean, readNumber, readObject, readProgress, readText, readUrls } from './fields.js';
import { classifyByFlag, flagRecordShape, flagRecord, type FlagRecordFields } from './shared.js';
import { veoInput } from './inputs/veo.js';

/** The `response` of a Veo record. */
export interface VeoResponse {
  /** The task the response names, `null` when absent. */
  readonly taskId: string | null;
  /** The generated videos' URLs: the result. */
  readonly resultUrls: readonly string[];
  /** The unprocessed videos; `null` when the provider sends none (it does for 16:9). */
  readonly originUrls: readonly string[] | null;
  /** `"720p"`, `"1080p"`, ... */
  readonly resolution: string | null;
  /** Per video, whether it has an audio track; `null` when absent. */
  readonly hasAudioList: readonly boolean[] | null;
  /** The generation seeds, `null` when absent. */
  readonly seeds: readonly number[] | null;
}

/** A Veo 3.1 record (`GET /api/v1/veo/record-info`), its variants folded. */
export interface VeoRecord extends FlagRecordFields {
  /** `null` until the task succeeds. */
  readonly response: VeoResponse | null;
  /** Whether a fallback model (720p) made the video. */
  readonly fallbackFlag: boolean | null;
  /** 0..1, when the record reports it. */
  readonly progress: number | null;
}

const schema = z.looseObject(flagRecordShape);

function list<T>(value: unknown, read: (v: unknown) => T | null): T[] | null {
  if (!Array.isArray(value)) return null;
  return value.map(read).filter((v): v is T => v !== null);
}

function readResponse(raw: Readonly<Record<string, unknown>>): VeoResponse | null {
  const response = readObject(raw['response']);
  if (response === null) return null;
  // Some pages list hasAudioList and seeds next to response rather than inside it.
  const pick = (key: string): unknown => response[key] ?? raw[key];
  return {
    taskId: readText(response['taskId']),
    resultUrls: readUrls(response['resultUrls']),
    originUrls: Array.isArray(response['originUrls']) ? readUrls(response['originUrls']) : null,
    resolution: readText(response['resolution']),
    hasAudioList: list(pick('hasAudioList'), readBoolean),
    seeds: list(pick('seeds'), readNumber),
  };
}

/**
 * Veo 3.1 video: `successFlag` 0 generating, 1 success, 2 failed, 3 generation failed. Failure records
 * may name no `taskId` (observed: flag 3, `errorCode` 422); times are epoch ms or zone-less texts.
 */
export const veo = defineFamily({
  id: 'veo',
  path: '/api/v1/veo/record-info',
  schema,
  resultPath: ['data', 'response', 'resultUrls'],
  create: { path: '/api/v1/veo/generate', input: veoInput },
  normalize: (raw): VeoRecord => flagRecord(raw, {
    response: readResponse(raw),
    fallbackFlag: readBoolean(raw['fallbackFlag']),
    progress: readProgress(raw['progress']),
  }),
  classify: (r) => classifyByFlag(r, { 0: 'pending', 1: 'success', 2: 'failure', 3: 'failure' }),
  toResult: (r) => ({ resultUrls: r.response?.resultUrls ?? [], params: r.params }),
});
