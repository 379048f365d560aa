import { z } from 'zod';

/** The statuses the provider documents for 4o image tasks. Others may appear; they are treated as not final. */
export type KnownTaskStatus = 'GENERATING' | 'SUCCESS' | 'CREATE_TASK_FAILED' | 'GENERATE_FAILED';

/**
 * A record as the watcher hands it out: validated, with the provider's variants folded into one shape
 * (times as epoch ms, `resultUrls` whichever spelling was used, progress as a number).
 */
export interface TaskRecord {
  readonly taskId: string;
  readonly status: string | null;
  readonly successFlag: number | null;
  /** 0..1, `null` when the provider sent none or an unparseable one. */
  readonly progress: number | null;
  readonly resultUrls: readonly string[];
  readonly createTime: number | null;
  readonly completeTime: number | null;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  /** The raw `paramJson` string. */
  readonly paramJson: string | null;
}

const numberish = z.union([z.number(), z.string()]).nullish();

/** The response envelope: every answer, good or bad, is `{code, msg, data}`. */
export const envelopeSchema = z.looseObject({
  code: z.union([z.number().int(), z.string().regex(/^\d{3}$/)]),
  msg: z.string().nullish(),
  data: z.unknown(),
});

/** Lenient on purpose: the docs disagree on types and spellings, so accept every documented variant. */
export const recordSchema = z.looseObject({
  taskId: z.string().nullish(),
  paramJson: z.string().nullish(),
  createTime: numberish,
  completeTime: numberish,
  response: z
    .looseObject({
      resultUrls: z.array(z.string()).nullish(),
      result_urls: z.array(z.string()).nullish(),
    })
    .nullish(),
  successFlag: z.union([z.number().int(), z.string().regex(/^\d+$/)]).nullish(),
  status: z.string().nullish(),
  errorCode: numberish,
  errorMessage: z.string().nullish(),
  progress: numberish,
});

export type RawRecord = z.infer<typeof recordSchema>;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * Times arrive as epoch ms (OpenAPI) or `YYYY-MM-DD HH:mm:ss` (quickstart). The string form names no zone;
 * it is read as UTC so that the value is at least deterministic.
 */
export function parseTime(value: number | string | null | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value === '') return null;
  if (/^\d+$/.test(value)) return Number(value);
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? ms : null;
}

/** Progress is documented as a string '0.00'..'1.00'; clamp so that rounding noise never leaves 0..1. */
export function parseProgress(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return null;
  return Math.min(1, Math.max(0, n));
}

function parseInteger(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) ? n : null;
}

export function normalizeRecord(raw: RawRecord, taskId: string): TaskRecord {
  const urls = raw.response?.resultUrls ?? raw.response?.result_urls ?? [];
  return {
    taskId,
    status: raw.status ?? null,
    successFlag: parseInteger(raw.successFlag),
    progress: parseProgress(raw.progress),
    resultUrls: urls.filter((u) => u.length > 0),
    createTime: parseTime(raw.createTime),
    completeTime: parseTime(raw.completeTime),
    errorCode: parseInteger(raw.errorCode),
    errorMessage: raw.errorMessage ?? null,
    paramJson: raw.paramJson ?? null,
  };
}

/** `paramJson` is a JSON string; a malformed one must not fail a finished task, so it yields `null`. */
export function parseParams(paramJson: string | null): unknown {
  if (paramJson === null) return null;
  try {
    return JSON.parse(paramJson) as unknown;
  } catch {
    return null;
  }
}
