import { z } from 'zod';
import { defineFamily } from './define.js';
import { readObject, readProgress, readUrls } from './fields.js';
import { flagRecord, flagRecordShape, meaningOf, statusText, type FlagRecordFields, type Meaning } from './shared.js';
import { gpt4oImageInput } from './inputs/gpt4o-image.js';

/** A 4o-image record (`GET /api/v1/gpt4o-image/record-info`), its variants folded. */
export interface Gpt4oImageRecord extends FlagRecordFields {
  /** `GENERATING`, `SUCCESS`, `CREATE_TASK_FAILED`, `GENERATE_FAILED`; may be missing (moderation refusals). */
  readonly status: string | null;
  /** 0..1; sent as a text `"0.00"`..`"1.00"`. */
  readonly progress: number | null;
  /** `response.resultUrls`, or `response.result_urls` (the quickstart's spelling); `null` while there is no response. */
  readonly response: {
    /** The generated images' URLs (empty texts dropped). */
    readonly resultUrls: readonly string[];
  } | null;
}

const STATUSES: ReadonlyMap<string, Meaning> = new Map([
  ['GENERATING', 'pending'],
  ['SUCCESS', 'success'],
  ['CREATE_TASK_FAILED', 'failure'],
  ['GENERATE_FAILED', 'failure'],
]);
const KNOWN_FLAGS = new Set([0, 1, 2, 3]);

const schema = z.looseObject({ ...flagRecordShape, status: statusText });

/**
 * GPT-4o image. `successFlag` 2 or 3 is a failure whatever `status` says (3 is a moderation refusal, often
 * with `errorMessage: "Internal Error"` and an odd or missing status); `SUCCESS` or flag 1 is a success.
 */
export const gpt4oImage = defineFamily({
  id: 'gpt4o-image',
  path: '/api/v1/gpt4o-image/record-info',
  schema,
  resultPath: ['data', 'response', 'resultUrls'],
  create: { path: '/api/v1/gpt4o-image/generate', input: gpt4oImageInput },
  normalize: (raw): Gpt4oImageRecord => {
    const response = readObject(raw['response']);
    let resultUrls = readUrls(response?.['resultUrls']);
    if (resultUrls.length === 0) resultUrls = readUrls(response?.['result_urls']);
    return flagRecord(raw, { status: raw.status ?? null, progress: readProgress(raw['progress']), response: response === null ? null : { resultUrls } });
  },
  classify: (r) => {
    const { meaning, unknown } = meaningOf(r.status, STATUSES);
    const failed = r.successFlag === 2 || r.successFlag === 3 || meaning === 'failure';
    const state = failed ? 'failure' : meaning === 'success' || r.successFlag === 1 ? 'success' : 'pending';
    const unknownFlag = r.successFlag !== null && !KNOWN_FLAGS.has(r.successFlag);
    return {
      state,
      status: r.status,
      taskId: r.taskId,
      progress: r.progress,
      createTime: r.createTime,
      createTimeZoned: r.createTimeZoned,
      completeTime: r.completeTime,
      unknownStatus: state === 'pending' && (unknown || unknownFlag),
      // The failure's status is the record's only when it names a failure: a flag-3 record still saying
      // GENERATING failed by its flag, and reporting "ended with GENERATING" would mislead.
      failure: failed ? { status: meaning === 'failure' ? r.status : null, successFlag: r.successFlag, errorCode: r.errorCode, errorMessage: r.errorMessage } : undefined,
    };
  },
  toResult: (r) => ({ resultUrls: r.response?.resultUrls ?? [], params: r.params }),
});
