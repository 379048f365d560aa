import { z } from 'zod';
import { defineFamily } from './define.js';
import { readObject, readProgress, readText, readUrls } from './fields.js';
import { classifyByFlag, flagRecordShape, flagRecord, type FlagRecordFields } from './shared.js';
import { lumaInput } from './inputs/luma.js';

/** A Luma modify record (`GET /api/v1/modify/record-info`), its variants folded. */
export interface LumaRecord extends FlagRecordFields {
  /** `null` until the task succeeds. */
  readonly response: {
    /** The task the response names, `null` when absent. */
    readonly taskId: string | null;
    /** The modified videos' URLs: the result. */
    readonly resultUrls: readonly string[];
    /** The source videos. */
    readonly originUrls: readonly string[];
  } | null;
  /** 0..1, when the record reports it. */
  readonly progress: number | null;
}

const schema = z.looseObject(flagRecordShape);

/**
 * Luma modify video: `successFlag` 0 generating, 1 success, 2 create failed, 3 generate failed, and
 * 4 "callback failed", which is a success: the video exists, only the provider's callback to you failed.
 */
export const luma = defineFamily({
  id: 'luma',
  path: '/api/v1/modify/record-info',
  schema,
  resultPath: ['data', 'response', 'resultUrls'],
  create: { path: '/api/v1/modify/generate', input: lumaInput },
  normalize: (raw): LumaRecord => {
    const response = readObject(raw['response']);
    return flagRecord(raw, {
      response:
        response === null
          ? null
          : { taskId: readText(response['taskId']), resultUrls: readUrls(response['resultUrls']), originUrls: readUrls(response['originUrls']) },
      progress: readProgress(raw['progress']),
    });
  },
  classify: (r) => classifyByFlag(r, { 0: 'pending', 1: 'success', 2: 'failure', 3: 'failure', 4: 'success' }),
  toResult: (r) => ({ resultUrls: r.response?.resultUrls ?? [], params: r.params }),
});
