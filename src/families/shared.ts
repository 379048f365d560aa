import { z } from 'zod';
import type { FamilyClassification } from './define.js';
import type { FailureInfo } from './family.js';
import { readInteger, readJson, readString, readText, readTime, readTimeMs } from './fields.js';

/*
 * The built-in schemas are strict only about the fields a verdict rests on (status texts, flags) and
 * read everything else leniently: a record with an odd auxiliary field must still finish its task.
 */

/** A flag or code that may arrive as a number or as a text. */
export const numberish = z.union([z.number(), z.string()]).nullish();
/** A status text. */
export const statusText = z.string().nullish();
/** The record's `taskId`: a text, or absent (some failure records name none). */
export const taskIdField = z.string().nullish();

/** What a flag or status means. */
export type Meaning = 'pending' | 'success' | 'failure';

/**
 * The fields shared by the families whose records follow the 4o-image pattern
 * (`successFlag`, `paramJson`, `errorCode`/`errorMessage`, `createTime`/`completeTime`).
 */
export interface FlagRecordFields {
  /** `null` when the record names no task (Veo's failure records). */
  readonly taskId: string | null;
  /** The creation parameters as sent (a JSON text). */
  readonly paramJson: string | null;
  /** `paramJson` parsed; `null` when absent or not JSON. */
  readonly params: unknown;
  /** `0` generating, `1` success, then failures; see the family. */
  readonly successFlag: number | null;
  /** Epoch ms. */
  readonly createTime: number | null;
  /** `false` when `createTime` was a text without a zone (read as UTC). */
  readonly createTimeZoned: boolean;
  /** Epoch ms. */
  readonly completeTime: number | null;
  /** The provider's error code for a failed task (4o image: 400 content policy, 451 download failed, 500 internal); `null` when absent. */
  readonly errorCode: number | null;
  /** `null` when absent or empty. */
  readonly errorMessage: string | null;
}

/** A flag record as the schema lets it through. */
type FlagRaw = { readonly taskId?: string | null | undefined; readonly successFlag?: number | string | null | undefined; readonly [k: string]: unknown };

/** The zod shape of {@link FlagRecordFields}. */
export const flagRecordShape = {
  taskId: taskIdField,
  successFlag: numberish,
};

/** Folds the shared fields of a flag record. */
export function readFlagFields(raw: FlagRaw): FlagRecordFields {
  const created = readTime(raw['createTime']);
  return {
    taskId: raw.taskId ?? null,
    paramJson: readString(raw['paramJson']),
    params: readJson(raw['paramJson']),
    successFlag: readInteger(raw.successFlag),
    createTime: created?.ms ?? null,
    createTimeZoned: created?.zoned ?? true,
    completeTime: readTimeMs(raw['completeTime']),
    errorCode: readInteger(raw['errorCode']),
    errorMessage: readText(raw['errorMessage']),
  };
}

/*
 * The hot path (one read per poll) builds its objects as literals or with Object.assign: on Node 20 an
 * object spread followed by more properties costs microseconds per record, several times a whole read
 * (bench/family-read-cost.mjs shows the cost of a read).
 */

/** A flag record: the shared fields plus the family's own. */
export function flagRecord<T extends object>(raw: FlagRaw, own: T): FlagRecordFields & T {
  return Object.assign(readFlagFields(raw), own);
}

/**
 * Classifies by `successFlag` alone (Veo, Flux Kontext, Luma, Midjourney): these records carry no status
 * text, so the view's status is `null` and a failure names only its flag. A missing flag is pending; a
 * flag the family does not document is pending with `unknownStatus`.
 */
export function classifyByFlag(record: FlagRecordFields & { readonly progress?: number | null }, meanings: Readonly<Record<number, Meaning>>): FamilyClassification {
  const flag = record.successFlag;
  const meaning = flag === null ? undefined : meanings[flag];
  return {
    state: meaning ?? 'pending',
    status: null,
    taskId: record.taskId,
    progress: record.progress ?? null,
    createTime: record.createTime,
    createTimeZoned: record.createTimeZoned,
    completeTime: record.completeTime,
    unknownStatus: flag !== null && meaning === undefined,
    failure: meaning === 'failure' ? { status: null, successFlag: flag, errorCode: record.errorCode, errorMessage: record.errorMessage } : undefined,
  };
}

/** Classifies a status text against the family's documented statuses; unknown ones are pending. */
export function meaningOf(status: string | null, meanings: ReadonlyMap<string, Meaning>): { readonly meaning: Meaning; readonly unknown: boolean } {
  if (status === null) return { meaning: 'pending', unknown: false };
  const meaning = meanings.get(status);
  return meaning === undefined ? { meaning: 'pending', unknown: true } : { meaning, unknown: false };
}

/** The view fields a classification carries besides its state. */
export type ViewFields = Omit<FamilyClassification, 'state' | 'unknownStatus' | 'failure'>;

/**
 * Classifies by the record's status text (market, Runway, Suno): documented failure statuses fail with
 * the given details, the success status succeeds, anything else is pending (`unknownStatus` when undocumented).
 */
export function classifyByStatus(view: ViewFields, meanings: ReadonlyMap<string, Meaning>, failure: Partial<FailureInfo>): FamilyClassification {
  const { meaning, unknown } = meaningOf(view.status, meanings);
  return Object.assign({ state: meaning, unknownStatus: unknown, failure: meaning === 'failure' ? failure : undefined }, view);
}
