import { z } from 'zod';
import { defineFamily } from './define.js';
import { readObject, readProgress, readText } from './fields.js';
import { classifyByFlag, flagRecordShape, flagRecord, type FlagRecordFields } from './shared.js';
import { fluxKontextInput } from './inputs/flux-kontext.js';

/** A Flux Kontext record (`GET /api/v1/flux/kontext/record-info`), its variants folded. */
export interface FluxKontextRecord extends FlagRecordFields {
  /** `null` until the task succeeds. */
  readonly response: {
    /** The input image, when the task edited one. */
    readonly originImageUrl: string | null;
    /** The one generated image. */
    readonly resultImageUrl: string | null;
  } | null;
  /** 0..1, when the record reports it. */
  readonly progress: number | null;
}

const schema = z.looseObject(flagRecordShape);

/**
 * Flux Kontext image: `successFlag` 0 generating, 1 success, 2 create failed, 3 generate failed; one
 * result image in `response.resultImageUrl`; times ISO-8601 with `Z`.
 */
export const fluxKontext = defineFamily({
  id: 'flux-kontext',
  path: '/api/v1/flux/kontext/record-info',
  schema,
  resultPath: ['data', 'response', 'resultImageUrl'],
  create: { path: '/api/v1/flux/kontext/generate', input: fluxKontextInput },
  normalize: (raw): FluxKontextRecord => {
    const response = readObject(raw['response']);
    return flagRecord(raw, {
      response: response === null ? null : { originImageUrl: readText(response['originImageUrl']), resultImageUrl: readText(response['resultImageUrl']) },
      progress: readProgress(raw['progress']),
    });
  },
  classify: (r) => classifyByFlag(r, { 0: 'pending', 1: 'success', 2: 'failure', 3: 'failure' }),
  toResult: (r) => ({ resultUrls: r.response?.resultImageUrl ? [r.response.resultImageUrl] : [], params: r.params }),
});
