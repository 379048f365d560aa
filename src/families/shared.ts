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
  readonly errorCode: number | null;
  /** `null` when absent or empty. */
  readonly errorMessage: string | null;
}

/** The zod shape of {@link FlagRecordFields}. */
export const flagRecordShape = {
  taskId: taskIdField,
  successFlag: numberish,
};

/** `createTime` as epoch ms with its zone flag (`true` when absent: nothing to distrust). */
export function readCreateTime(value: unknown): { readonly createTime: number | null; readonly createTimeZoned: boolean } {
  const created = readTime(value);
  return { createTime: created?.ms ?? null, createTimeZoned: created?.zoned ?? true };
}

/** Folds the shared fields of a flag record. */
export function readFlagFields(raw: { readonly taskId?: string | null | undefined; readonly successFlag?: number | string | null | undefined; readonly [k: string]: unknown }): FlagRecordFields {
  return {
    taskId: raw.taskId ?? null,
    paramJson: readString(raw['paramJson']),
    params: readJson(raw['paramJson']),
    successFlag: readInteger(raw.successFlag),
    ...readCreateTime(raw['createTime']),
    completeTime: readTimeMs(raw['completeTime']),
    errorCode: readInteger(raw['errorCode']),
    errorMessage: readText(raw['errorMessage']),
  };
}

/** The view fields every flag record carries. */
export function flagView(record: FlagRecordFields): Pick<FamilyClassification, 'taskId' | 'createTime' | 'createTimeZoned' | 'completeTime'> {
  return {
    taskId: record.taskId,
    createTime: record.createTime,
    createTimeZoned: record.createTimeZoned,
    completeTime: record.completeTime,
  };
}

/**
 * Classifies by `successFlag` alone (Veo, Flux Kontext, Luma, Midjourney): these records carry no status
 * text, so the view's status is `null` and a failure names only its flag. A missing flag is pending; a
 * flag the family does not document is pending with `unknownStatus`.
 */
export function classifyByFlag(record: FlagRecordFields & { readonly progress?: number | null }, meanings: Readonly<Record<number, Meaning>>): FamilyClassification {
  const flag = record.successFlag;
  const meaning = flag === null ? undefined : meanings[flag];
  const base = { ...flagView(record), status: null, progress: record.progress ?? null };
  if (meaning === 'failure') {
    return { ...base, state: 'failure', failure: { status: null, successFlag: flag, errorCode: record.errorCode, errorMessage: record.errorMessage } };
  }
  if (meaning === 'success') return { ...base, state: 'success' };
  return { ...base, state: 'pending', unknownStatus: flag !== null && meaning === undefined };
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
  if (meaning === 'failure') return { ...view, state: 'failure', failure };
  if (meaning === 'success') return { ...view, state: 'success' };
  return { ...view, state: 'pending', unknownStatus: unknown };
}
