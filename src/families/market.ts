import { z } from 'zod';
import { defineFamily } from './define.js';
import { readCode, readJson, readObject, readProgress, readString, readText, readTime, readTimeMs, readUrls } from './fields.js';
import { classifyByStatus, statusText, taskIdField, type Meaning } from './shared.js';
import { marketInput } from './inputs/market.js';

/** A market job's parsed `resultJson`: `resultUrls` folded to its non-empty texts, other keys as sent. */
export interface MarketResult {
  /** The result URLs (empty texts dropped; `[]` when the key is missing). */
  readonly resultUrls: readonly string[];
  readonly [key: string]: unknown;
}

/** A market job record (`GET /api/v1/jobs/recordInfo`; nano-banana, seedream, kling, sora2, ...), its variants folded. */
export interface MarketRecord {
  /** The task the record names, `null` when absent. */
  readonly taskId: string | null;
  /** The market model, e.g. `"google/nano-banana"`. */
  readonly model: string | null;
  /** `waiting`, `queuing`, `generating`, `success`, `fail`. */
  readonly state: string | null;
  /** The creation parameters as sent (a JSON text). */
  readonly param: string | null;
  /** `param` parsed; `null` when absent or not JSON. */
  readonly params: unknown;
  /** The result as sent: a JSON text like `{"resultUrls":[...]}`. */
  readonly resultJson: string | null;
  /** `resultJson` parsed; `null` when absent or not a JSON object. */
  readonly result: MarketResult | null;
  /** `null` when absent or `""` (the provider sends empty texts when all is well). */
  readonly failCode: number | string | null;
  /** `null` when absent or `""`. */
  readonly failMsg: string | null;
  /** 0..1 when a model reports it. */
  readonly progress: number | null;
  /** Epoch ms. */
  readonly createTime: number | null;
  /** `false` when `createTime` was a text without a zone. */
  readonly createTimeZoned: boolean;
  /** Epoch ms. */
  readonly completeTime: number | null;
  /** Epoch ms of the record's last change. */
  readonly updateTime: number | null;
}

const STATES: ReadonlyMap<string, Meaning> = new Map([
  ['waiting', 'pending'],
  ['queuing', 'pending'],
  ['generating', 'pending'],
  ['success', 'success'],
  ['fail', 'failure'],
]);

const schema = z.looseObject({ taskId: taskIdField, state: statusText, model: z.string().nullish() });

function readResult(value: unknown): MarketResult | null {
  const obj = readObject(readJson(value));
  return obj === null ? null : { ...obj, resultUrls: readUrls(obj['resultUrls']) };
}

/**
 * Market jobs: one status endpoint for every market model. `state` decides; the result URLs are inside
 * `resultJson`, a JSON text; `failCode`/`failMsg` are empty texts unless the job failed.
 */
export const market = defineFamily({
  id: 'market',
  path: '/api/v1/jobs/recordInfo',
  schema,
  resultPath: ['data', 'resultJson'],
  create: { path: '/api/v1/jobs/createTask', input: marketInput },
  normalize: (raw): MarketRecord => {
    const created = readTime(raw['createTime']);
    return {
      taskId: raw.taskId ?? null,
      model: raw.model ?? null,
      state: raw.state ?? null,
      param: readString(raw['param']),
      params: readJson(raw['param']),
      resultJson: readString(raw['resultJson']),
      result: readResult(raw['resultJson']),
      failCode: readCode(raw['failCode']),
      failMsg: readText(raw['failMsg']),
      progress: readProgress(raw['progress']),
      createTime: created?.ms ?? null,
      createTimeZoned: created?.zoned ?? true,
      completeTime: readTimeMs(raw['completeTime']),
      updateTime: readTimeMs(raw['updateTime']),
    };
  },
  classify: (r) =>
    classifyByStatus(
      { taskId: r.taskId, status: r.state, progress: r.progress, createTime: r.createTime, createTimeZoned: r.createTimeZoned, completeTime: r.completeTime, model: r.model },
      STATES,
      { errorCode: r.failCode, errorMessage: r.failMsg },
    ),
  toResult: (r) => ({ resultUrls: r.result?.resultUrls ?? [], params: r.params }),
});
