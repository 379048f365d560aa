import { z } from 'zod';
import { defineFamily } from './define.js';
import { readJson, readObject, readProgress } from './fields.js';
import { classifyByFlag, flagRecordShape, flagRecord, type FlagRecordFields } from './shared.js';
import { midjourneyInput } from './inputs/mj.js';

/** A Midjourney record (`GET /api/v1/mj/record-info`), its variants folded. */
export interface MidjourneyRecord extends FlagRecordFields {
  /** `mj_txt2img`, `mj_img2img`, `mj_video`, `mj_upscale`, ... */
  readonly taskType: string | null;
  /**
   * The results: sent as `{ resultUrls: [{ resultUrl }] }` (an object, sometimes a JSON text), folded to
   * the URL texts. `null` until the task succeeds.
   */
  readonly resultInfoJson: {
    /** The result URLs, unwrapped from their `{ resultUrl }` objects. */
    readonly resultUrls: readonly string[];
  } | null;
  /** 0..1, when the record reports it. */
  readonly progress: number | null;
}

const schema = z.looseObject({ ...flagRecordShape, taskType: z.string().nullish() });

function resultUrl(entry: unknown): string | null {
  // The docs send objects; a bare text is accepted too, since one variant is as cheap as the other.
  const url = typeof entry === 'string' ? entry : readObject(entry)?.['resultUrl'];
  return typeof url === 'string' && url.trim().length > 0 ? url : null;
}

function readResultInfo(value: unknown): MidjourneyRecord['resultInfoJson'] {
  const info = readObject(readJson(value));
  if (info === null) return null;
  const entries = Array.isArray(info['resultUrls']) ? info['resultUrls'] : [];
  return { resultUrls: entries.map(resultUrl).filter((u): u is string => u !== null) };
}

/**
 * Midjourney: `successFlag` 0 generating, 1 success, 2 failed, 3 generation failed. The result URLs are
 * objects `{ resultUrl }` in `resultInfoJson.resultUrls`; times ISO-8601.
 */
export const midjourney = defineFamily({
  id: 'mj',
  path: '/api/v1/mj/record-info',
  schema,
  resultPath: ['data', 'resultInfoJson', 'resultUrls'],
  create: { path: '/api/v1/mj/generate', input: midjourneyInput },
  normalize: (raw): MidjourneyRecord => flagRecord(raw, {
    taskType: raw.taskType ?? null,
    resultInfoJson: readResultInfo(raw['resultInfoJson']),
    progress: readProgress(raw['progress']),
  }),
  classify: (r) => classifyByFlag(r, { 0: 'pending', 1: 'success', 2: 'failure', 3: 'failure' }),
  toResult: (r) => ({ resultUrls: r.resultInfoJson?.resultUrls ?? [], params: r.params }),
});
